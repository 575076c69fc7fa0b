"""Reaching the store team through the staff bot, end to end.

Telegram delivers nothing from a bot to someone who never opened it ("chat not found").
An associate bound by Telegram id (a brand file, here the database) who never sent the
staff bot /start gets no escalation card and is not offered by /switch, and the owner is
told nobody could be asked; their first /start changes that. Also: a too-long /away note
is refused whole, and the cards of a teammate deactivated since stay as they were.

Given the enrollment tests' store (Bob and Lina, both started) in Shanghai, open
Mon-Sat 10:00-22:00, with the runtime's clock in the test's hands.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.interface.callbacks import ChooseAssociate, SwitchTo
from bot.runtime.escalation_job import escalate_due
from commerce.availability import NOTE_LIMIT
from commerce.codes import make_short_code
from commerce.outbox import OutboxStatus
from commerce.people import Associate, AssociateStatus
from storage.backends import SendLimits
from tests.e2e.scenario import (
    MONDAY_NOON,
    STORE_NAME,
    Shop,
    buttons,
    command,
    enrol,
    enrol_with_bob,
    open_shop,
    open_team,
    press,
    push_callback,
    says,
    set_status,
    settle,
    wait_for_edit,
    wait_for_text,
)


@pytest.fixture
def stack_limits() -> SendLimits:
    return SendLimits(per_chat_rate=50.0, per_chat_burst=20)


@pytest.fixture(autouse=True)
async def quick_chats(stack) -> None:
    await stack.people.set_limits(per_chat_rate=50.0, per_chat_burst=20)


async def bound_without_start(stack, shop: Shop, name: str) -> tuple[Associate, int]:
    """A teammate bound to their Telegram account by id, the way a brand file does it: they
    never opened the staff bot."""
    user = await stack.person(name)
    async with stack.runtime.services.uow() as uow:
        associate = await uow.associates.add(Associate(store_id=shop.store.id, display_name=name, short_code=f"TMP{name}",
                                                       telegram_user_id=user))
        associate.short_code = make_short_code(associate.id, shop.key)
        await uow.associates.update(associate)
        await uow.commit()
    return associate, user


async def stored(stack, associate: Associate) -> Associate:
    async with stack.runtime.services.uow() as uow:
        return await uow.associates.get(associate.id)


async def failed_sends(stack) -> int:
    async with stack.runtime.services.uow() as uow:
        return (await uow.outbox.count_by_status()).get(OutboxStatus.FAILED, 0)


async def in_shanghai(stack, shop: Shop) -> None:
    async with stack.runtime.services.uow() as uow:
        store = await uow.stores.get(shop.store.id)
        store.timezone, store.hours = "Asia/Shanghai", "Mon-Sat 10:00-22:00"
        await uow.stores.update(store)
        await uow.commit()


async def test_only_teammates_who_opened_the_staff_bot_get_cards_and_the_owner_hears_the_truth(stack):
    clock, services = stack.clock, stack.runtime.services
    clock.set(MONDAY_NOON)
    shop = await open_shop(stack, reward=False)
    await in_shanghai(stack, shop)
    await set_status(stack, shop.lina, AssociateStatus.DEACTIVATED)  # Carol is the only teammate left
    carol, carol_user = await bound_without_start(stack, shop, "Carol")
    alice, dan = await stack.person("Alice"), await stack.person("Dan")
    await enrol_with_bob(stack, shop, alice, "Alice")
    await enrol_with_bob(stack, shop, dan, "Dan")

    # Alice waits half an hour: nobody can be asked, and Bob is told so, naming Carol.
    await says(stack, alice, "Is the navy scarf in?", shop.bob_user)
    later = MONDAY_NOON + timedelta(minutes=31)
    clock.set(later)
    run = await escalate_due(services, later)
    await settle(stack)
    told = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "⏰ Alice")

    assert (run.escalated, run.cards) == (1, 0)
    assert told["text"] == (f"⏰ Alice has been waiting 31 min for your answer. Nobody else at {STORE_NAME} could be asked: "
                            "Carol must open this bot first (send it /start) to get escalations. Please reply when you can.")
    assert await stack.bot_messages(carol_user, stack.associate_bot) == []
    assert await failed_sends(stack) == 0, "nothing was even tried: Telegram would answer 'chat not found'"
    assert (await stored(stack, carol)).staff_bot_since is None

    # Carol opens the staff bot (twice: only the first counts); Dan's wait reaches her.
    opened_at = clock.now()
    assert "associate of" in (await stack.reply_to(carol_user, stack.associate_bot, "/start"))["text"]
    clock.set(later + timedelta(minutes=1))
    await stack.reply_to(carol_user, stack.associate_bot, "/start")
    assert (await stored(stack, carol)).staff_bot_since == opened_at
    await says(stack, dan, "Do you repair bags?", shop.bob_user)
    then = later + timedelta(minutes=40)
    clock.set(then)
    run = await escalate_due(services, then)
    await settle(stack)
    card = await wait_for_text(stack, carol_user, stack.associate_bot, "⏰ Dan")
    dan_note = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "⏰ Dan")

    assert (run.escalated, run.cards) == (1, 1)
    assert card["text"].startswith(f"⏰ Dan has been waiting 39 min for an answer from Bob ({STORE_NAME}):")
    assert [label for label, _ in buttons(card)] == ["✋ Claim"]
    assert dan_note["text"] == (f"⏰ Dan has been waiting 39 min for an answer, so I asked the {STORE_NAME} team to help. "
                                "You can still reply as usual.")
    assert await failed_sends(stack) == 0


async def test_switch_offers_only_associates_who_opened_the_staff_bot(stack):
    shop = await open_shop(stack)
    carol, carol_user = await bound_without_start(stack, shop, "Carol")
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    team = await stack.reply_to(alice, stack.consumer_bot, "/switch")
    forged = await push_callback(stack, alice, stack.consumer_bot, team["message_id"], SwitchTo(carol.id).pack())
    await settle(stack)

    assert buttons(team) == [("Lina", SwitchTo(shop.lina.id).pack())], "Carol would never see Alice's messages"
    assert forged["show_alert"] and "not available" in forged["text"]
    async with stack.runtime.services.uow() as uow:
        member = await uow.members.by_telegram_user(stack.runtime.services.brand.id, alice)
        assert (await uow.links.current(member.id)).associate_id == shop.bob.id
    assert await stack.bot_messages(carol_user, stack.associate_bot) == []

    # Once Carol has opened the staff bot, Alice may choose her, and Carol is told.
    await stack.reply_to(carol_user, stack.associate_bot, "/start")
    card = await stack.reply_to(alice, stack.consumer_bot, "/me")
    await press(stack, alice, stack.consumer_bot, card, ChooseAssociate().pack())
    team = await wait_for_text(stack, alice, stack.consumer_bot, "Who would you like to chat with", after=card["message_id"])
    assert [name for name, _ in buttons(team)] == ["Lina", "Carol"]
    await press(stack, alice, stack.consumer_bot, team, SwitchTo(carol.id).pack())
    await wait_for_text(stack, carol_user, stack.associate_bot, "chose you as their associate")


async def test_any_staff_command_counts_as_having_opened_the_staff_bot(stack):
    shop = await open_shop(stack)
    carol, carol_user = await bound_without_start(stack, shop, "Carol")
    assert (await stored(stack, carol)).staff_bot_since is None

    await stack.reply_to(carol_user, stack.associate_bot, "/chats")
    assert (await stored(stack, carol)).staff_bot_since is not None


async def test_an_away_note_over_the_limit_is_refused_whole_with_its_length(stack):
    team = await open_team(stack, MONDAY_NOON)
    bob = team.shop.bob_user
    away = await command(stack, bob, "/away 2h At the fair")
    assert away["text"].startswith("🌴 You're away until today 14:00 (Asia/Shanghai).")

    long_note = "Visiting the <Milan> trade fair, " + "x" * NOTE_LIMIT
    refused = await command(stack, bob, f"/away 3d {long_note}")

    assert refused["text"] == (f"An away note can be up to {NOTE_LIMIT} characters; yours has {len(long_note)}. "
                               "Nothing was changed: send /away again with a shorter note.")
    async with stack.runtime.services.uow() as uow:
        kept = await uow.availability.get(team.shop.bob.id)
    assert (kept.away_until, kept.away_note) == (MONDAY_NOON + timedelta(hours=2), "At the fair"), "nothing saved"
    status = await command(stack, bob, "/hours")
    assert "Right now: away until today 14:00. Note: “At the fair”" in status["text"]


async def test_a_claim_edits_the_cards_of_active_teammates_only(stack):
    team = await open_team(stack, MONDAY_NOON)
    shop, services = team.shop, stack.runtime.services
    eve, eve_user = await bound_without_start(stack, shop, "Eve")
    await stack.reply_to(eve_user, stack.associate_bot, "/start")
    alice = await stack.person("Alice")
    await enrol_with_bob(stack, shop, alice, "Alice")
    await says(stack, alice, "Can I return a gift?", shop.bob_user)
    later = MONDAY_NOON + timedelta(minutes=31)
    team.clock.set(later)
    assert (await escalate_due(services, later)).cards == 3  # Lina, Carol and Eve
    await settle(stack)
    cards = {user: await wait_for_text(stack, user, stack.associate_bot, "⏰ Alice")
             for user in (shop.lina_user, team.carol_user, eve_user)}

    # Lina leaves the team; then Carol claims.
    await set_status(stack, shop.lina, AssociateStatus.DEACTIVATED)
    carol_card = cards[team.carol_user]
    await stack.people.press_button(team.carol_user, stack.associate_bot, carol_card["message_id"], buttons(carol_card)[0][1],
                                    timeout=5.0)
    await settle(stack)
    edited = await wait_for_edit(stack, eve_user, stack.associate_bot, cards[eve_user], "✋ Carol is answering Alice.")
    await wait_for_edit(stack, team.carol_user, stack.associate_bot, carol_card, "✋ You claimed")

    lina_now = [m for m in await stack.bot_messages(shop.lina_user, stack.associate_bot)
                if m["message_id"] == cards[shop.lina_user]["message_id"]]
    assert buttons(edited) == []
    assert [(m["text"], buttons(m)) for m in lina_now] == [(cards[shop.lina_user]["text"], buttons(cards[shop.lina_user]))], \
        "a deactivated teammate's card is left as it was"
    assert await failed_sends(stack) == 0
