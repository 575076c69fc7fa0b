"""One scan at its edges: redelivered and racing updates, forged buttons, associates who
scan codes, blocked bots, consent, contacts and the associate's own welcome text.

Same world as test_enrollment: a store with Bob and Lina and a 10%-off reward rule.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.interface.callbacks import AskStopChat, ChooseAssociate, ConsentChoice, PickAssociate, SwitchChoice
from bot.runtime.ingress import Receipt
from commerce.bots import BotKind
from commerce.inbox import InboundUpdate, InboxStatus
from commerce.people import AssociateStatus
from commerce.rewards import ScanOutcome
from tests.e2e.scenario import (
    STORE_NAME,
    buttons,
    count_rows,
    enrol,
    membership,
    notices,
    open_shop,
    press,
    push_callback,
    push_message,
    scan,
    set_status,
    settle,
    wait_for_text,
)


def start_update(update_id: int, user_id: int, text: str, first_name: str = "Alice") -> dict[str, Any]:
    """The update Telegram sends when the person opens a deep link."""
    user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1_000 + update_id % 1_000,
            "date": 1_700_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def open_chat(stack, first_name: str) -> int:
    """A person who has talked to the consumer bot (bots may write only to them)."""
    person = await stack.person(first_name)
    assert "shopping assistant" in (await stack.reply_to(person, stack.consumer_bot, "/help"))["text"]
    await settle(stack)
    return person


async def wait_until(read, check, timeout: float = 10.0):
    """For database state no chat message announces (a my_chat_member update has no reply)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(value := await read()):
        assert loop.time() < deadline, f"still {value}"
        await asyncio.sleep(0.05)
    return value


def count(texts: list[str], needle: str) -> int:
    return sum(needle in t for t in texts)


async def consumer_texts(stack, user: int) -> list[str]:
    return [m["text"] or "" for m in await stack.bot_messages(user, stack.consumer_bot)]


# --- one update, one effect ---------------------------------------------------------------


async def test_the_same_scan_update_delivered_twice_has_one_effect(stack):
    shop = await open_shop(stack)
    alice = await open_chat(stack, "Alice")
    update = start_update(990_101, alice, f"/start {shop.code(shop.bob)}")

    assert await stack.runtime.ingress.receive(BotKind.CONSUMER, update) is Receipt.RECORDED
    assert await stack.runtime.ingress.receive(BotKind.CONSUMER, update) is Receipt.DUPLICATE
    await settle(stack)
    # A second process (or the recovery sweep) handling it again.
    await stack.runtime.ingress.handle(BotKind.CONSUMER, update)
    await settle(stack)

    state = await membership(stack, alice)
    assert state.member is not None and len(state.links) == 1 and len(state.coupons) == 1
    assert [s.outcome for s in state.scans] == [ScanOutcome.ENROLLED]
    assert (await count_rows(stack, "member"), await count_rows(stack, "coupon")) == (1, 1)
    texts = await consumer_texts(stack, alice)
    assert count(texts, "Hi Alice, I'm Bob") == 1 and count(texts, "phone number") == 1
    assert count(texts, state.coupons[0].code) == 1
    assert count(texts, "Welcome back") == 0 and count(texts, "went wrong") == 0
    assert len(await notices(stack, shop.bob_user, "New member")) == 1
    assert stack.metrics.value("storelink_updates_duplicate_total") == 1
    async with stack.runtime.services.uow() as uow:
        assert (await uow.inbox.get(BotKind.CONSUMER, 990_101)).status is InboxStatus.DONE


async def test_two_scans_racing_enrol_once_and_the_loser_is_welcomed_back(stack):
    shop = await open_shop(stack)
    alice = await open_chat(stack, "Alice")
    code = shop.code(shop.bob)
    first, second = start_update(990_201, alice, f"/start {code}"), start_update(990_202, alice, f"/start {code}")
    services = stack.runtime.services
    async with services.uow() as uow:
        for update in (first, second):
            assert await uow.inbox.record(InboundUpdate(BotKind.CONSUMER, update["update_id"], update, services.clock.now()))
        await uow.commit()

    ingress = stack.runtime.ingress
    await asyncio.gather(ingress.handle(BotKind.CONSUMER, first), ingress.handle(BotKind.CONSUMER, second))
    await settle(stack)

    state = await membership(stack, alice)
    assert state.member is not None
    assert (await count_rows(stack, "member"), await count_rows(stack, "link"), await count_rows(stack, "coupon")) == (1, 1, 1)
    assert sorted(s.outcome for s in state.scans) == sorted([ScanOutcome.ENROLLED, ScanOutcome.RESCANNED])
    texts = await consumer_texts(stack, alice)
    assert count(texts, "Hi Alice, I'm Bob") == 1
    assert count(texts, "Welcome back, Alice! Bob from") == 1
    assert count(texts, "went wrong") == 0
    assert len(await notices(stack, shop.bob_user, "New member")) == 1
    async with services.uow() as uow:
        statuses = [(await uow.inbox.get(BotKind.CONSUMER, u["update_id"])).status for u in (first, second)]
    assert statuses == [InboxStatus.DONE, InboxStatus.DONE]


# --- buttons come from the client ------------------------------------------------------


async def test_a_forged_switch_to_an_associate_never_scanned_is_refused(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    welcome = await enrol(stack, shop, alice, shop.bob)
    before = await membership(stack, alice)

    answer = await push_callback(stack, alice, stack.consumer_bot, welcome["message_id"], SwitchChoice(shop.lina.id, True).pack())
    await settle(stack)

    assert answer["text"] == "This choice is no longer available." and answer["show_alert"] is True
    after = await membership(stack, alice)
    assert after.links == before.links and after.current.associate_id == shop.bob.id
    assert await notices(stack, shop.lina_user, "🔁") == [] and await notices(stack, shop.bob_user, "🔁") == []
    assert count(await consumer_texts(stack, alice), "Done:") == 0

    malformed = await push_callback(stack, alice, stack.consumer_bot, welcome["message_id"], f"sw:{shop.lina.id}:yes")
    assert malformed["text"].startswith("This button is no longer valid.") and malformed["show_alert"] is True
    assert (await membership(stack, alice)).links == before.links


async def test_a_forged_pick_cannot_move_a_linked_member_to_another_associate(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    welcome = await enrol(stack, shop, alice, shop.bob)
    before = await membership(stack, alice)

    await push_callback(stack, alice, stack.consumer_bot, welcome["message_id"], PickAssociate(shop.lina.id).pack())
    await push_callback(stack, alice, stack.consumer_bot, welcome["message_id"], SwitchChoice(shop.lina.id, True).pack())
    await settle(stack)

    after = await membership(stack, alice)
    assert after.links == before.links and after.current.associate_id == shop.bob.id
    assert count(await consumer_texts(stack, alice), "Welcome back") == 1
    assert await notices(stack, shop.lina_user, "🔁") == []


async def test_switching_to_an_associate_deactivated_since_the_offer_is_refused(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    offer = await scan(stack, alice, shop.code(shop.lina))
    assert ("Switch to Lina", SwitchChoice(shop.lina.id, True).pack()) in buttons(offer)
    await set_status(stack, shop.lina, AssociateStatus.DEACTIVATED)

    answer = await press(stack, alice, stack.consumer_bot, offer, SwitchChoice(shop.lina.id, True).pack())
    await settle(stack)

    assert answer["text"] == "This choice is no longer available." and answer["show_alert"] is True
    state = await membership(stack, alice)
    assert [(link.associate_id, link.ended_at) for link in state.links] == [(shop.bob.id, None)]


# --- associates are people too ----------------------------------------------------------


async def test_an_associate_scanning_their_own_code_is_told_it_works_and_nothing_is_created(stack):
    shop = await open_shop(stack)

    reply = await scan(stack, shop.bob_user, shop.code(shop.bob))
    await settle(stack)

    assert reply["text"] == ("This is your own code, Bob: it works. "
                             "Shoppers who scan it join Maison Test and are linked to you.")
    state = await membership(stack, shop.bob_user)
    assert state.member is None and await count_rows(stack, "member") == 0
    assert [(s.outcome, s.associate_id) for s in state.scans] == [(ScanOutcome.SELF_SCAN, shop.bob.id)]
    assert await notices(stack, shop.bob_user, "New member") == []


async def test_an_associate_scanning_a_colleagues_code_becomes_their_member(stack):
    shop = await open_shop(stack)

    welcome = await enrol(stack, shop, shop.bob_user, shop.lina)

    assert welcome["text"].startswith("Hi Bob, I'm Lina from")
    state = await membership(stack, shop.bob_user)
    assert state.member is not None and state.current.associate_id == shop.lina.id
    assert [n.split("\n")[0] for n in await notices(stack, shop.lina_user, "New member")][0].startswith("🎉 New member: Bob")
    # Still an associate in the staff bot.
    staff = await stack.reply_to(shop.bob_user, stack.associate_bot, "/start")
    assert "associate of Shanghai Xintiandi" in staff["text"]


# --- blocking and coming back ---------------------------------------------------------------


async def test_a_member_who_blocked_the_bot_and_scans_again_is_reachable_and_welcomed_back(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await stack.people.block(alice, stack.consumer_bot)
    await wait_until(lambda: membership(stack, alice), lambda s: not s.member.reachable)

    # Pressing Start on a blocked bot unblocks it, then sends the /start.
    await stack.people.unblock(alice, stack.consumer_bot)
    again = await scan(stack, alice, shop.code(shop.bob))
    await settle(stack)

    assert again["text"].startswith("Welcome back, Alice! Bob from")
    state = await membership(stack, alice)
    assert state.member.reachable is True
    assert state.member.consent_marketing is False  # a block withdrew it; coming back does not re-grant it
    assert len(state.links) == 1 and len(state.coupons) == 1


async def test_a_scan_makes_a_member_reachable_even_if_the_unblock_never_arrived(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await stack.people.block(alice, stack.consumer_bot)
    await wait_until(lambda: membership(stack, alice), lambda s: not s.member.reachable)
    chat = stack.sandbox.people.chat(alice, stack.consumer_bot)
    chat.blocked = False  # unblocked without the my_chat_member update reaching us

    again = await scan(stack, alice, shop.code(shop.bob))
    await settle(stack)

    assert again["text"].startswith("Welcome back, Alice!")
    assert (await membership(stack, alice)).member.reachable is True


# --- the member card and consent ---------------------------------------------------------------


async def test_the_member_card_shows_the_coupon_and_stop_offers_withdraws_marketing(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    [coupon] = (await membership(stack, alice)).coupons

    card = await stack.reply_to(alice, stack.consumer_bot, "/me")
    assert card["text"].startswith("Maison Test membership")
    assert f"· {STORE_NAME}" in card["text"] and "Your associate: Bob" in card["text"]
    assert f"🎁 {coupon.code} — 10% off" in card["text"]
    assert "News and offers: on" in card["text"] and "Chat with your associate: on" in card["text"]
    assert buttons(card) == [("Stop offers", ConsentChoice("marketing", False).pack()),
                             ("Pause the chat with my associate", ConsentChoice("chat", False).pack()),
                             ("🔁 Switch associate", ChooseAssociate().pack()), ("✋ Stop chatting", AskStopChat().pack())]

    await press(stack, alice, stack.consumer_bot, card, ConsentChoice("marketing", False).pack())
    done = await wait_for_text(stack, alice, stack.consumer_bot, "Done:", after=card["message_id"])
    await settle(stack)

    assert done["text"] == "Done: no more offers from Maison Test. Your associate can still answer you."
    member = (await membership(stack, alice)).member
    assert member.consent_marketing is False and member.consent_chat is True
    async with stack.runtime.services.uow() as uow:
        withdrawn = [e for e in await uow.audit.recent(50) if e.action == "consent.marketing.withdrawn"]
    assert [(e.actor, e.subject) for e in withdrawn] == [(f"member:{member.id}", f"member:{member.id}")]
    assert await notices(stack, shop.bob_user, "paused") == []  # marketing is the brand's business, not Bob's
    again = await stack.reply_to(alice, stack.consumer_bot, "/me")
    assert "News and offers: off" in again["text"] and buttons(again)[0] == ("Receive offers", "cs:marketing:1")


async def test_no_offers_thanks_on_the_welcome_withdraws_marketing_and_my_membership_shows_it(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    welcome = await enrol(stack, shop, alice, shop.bob)

    await press(stack, alice, stack.consumer_bot, welcome, ConsentChoice("marketing", False).pack())
    await wait_for_text(stack, alice, stack.consumer_bot, "no more offers", after=welcome["message_id"])

    assert (await membership(stack, alice)).member.consent_marketing is False
    await press(stack, alice, stack.consumer_bot, welcome, "me")
    card = await wait_for_text(stack, alice, stack.consumer_bot, "membership", after=welcome["message_id"])
    assert "News and offers: off" in card["text"] and "Your associate: Bob" in card["text"]


async def test_pausing_the_chat_tells_the_associate(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    card = await stack.reply_to(alice, stack.consumer_bot, "/me")

    await press(stack, alice, stack.consumer_bot, card, ConsentChoice("chat", False).pack())
    done = await wait_for_text(stack, alice, stack.consumer_bot, "Done:", after=card["message_id"])
    notice = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "paused the chat")
    await settle(stack)

    assert done["text"] == "Done: your associate won't write to you. Resume any time from /me."
    assert notice["text"] == "🔕 Alice paused the chat with you."
    member = (await membership(stack, alice)).member
    assert member.consent_chat is False and member.consent_marketing is True
    assert len(await notices(stack, shop.bob_user, "paused the chat")) == 1


# --- the phone number ------------------------------------------------------------------------


async def test_sharing_ones_own_contact_stores_the_phone_and_logs_only_the_fact(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    sent = await stack.people.send_contact(alice, stack.consumer_bot, "+8613800138000", "Alice")
    thanks = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: True, 10.0, after_message_id=sent["message_id"])

    assert thanks["text"] == "Thank you, your phone number is linked to your membership."
    assert thanks["reply_markup"] == {"remove_keyboard": True}
    member = (await membership(stack, alice)).member
    assert member.phone == "+8613800138000"
    async with stack.runtime.services.uow() as uow:
        shared = [e for e in await uow.audit.recent(50) if e.action == "member.phone_shared"]
    assert len(shared) == 1 and "8613800138000" not in repr(shared[0])


async def test_sharing_someone_elses_contact_is_refused_and_stores_nothing(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    foreign = {"phone_number": "+8613900139000", "first_name": "Mallory", "user_id": shop.lina_user}
    sent = await push_message(stack, alice, stack.consumer_bot, "contact", contact=foreign)
    refusal = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: True, 10.0, after_message_id=sent["message_id"])
    card = {"phone_number": "+8613700137000", "first_name": "Nobody"}  # an address-book card: no user_id
    sent = await push_message(stack, alice, stack.consumer_bot, "contact", contact=card)
    second = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: True, 10.0, after_message_id=sent["message_id"])
    await settle(stack)

    assert refusal["text"] == second["text"] == "Please share your own phone number with the button below."
    assert (await membership(stack, alice)).member.phone is None
    async with stack.runtime.services.uow() as uow:
        assert [e for e in await uow.audit.recent(50) if e.action == "member.phone_shared"] == []

    skipped = await stack.reply_to(alice, stack.consumer_bot, "Not now")
    assert skipped["text"] == "No problem. You can write to your associate any time."
    assert skipped["reply_markup"] == {"remove_keyboard": True}


# --- the associate's own welcome -------------------------------------------------------------


async def test_an_associates_welcome_text_is_shown_as_written_never_as_markup(stack):
    shop = await open_shop(stack)
    template = "Hi {member}, <b>Bob</b> here"

    saved = await stack.reply_to(shop.bob_user, stack.associate_bot, f"/welcome {template}")
    assert saved["text"] == "Saved. New members will read:\n\nHi Alice, <b>Bob</b> here"
    async with stack.runtime.services.uow() as uow:
        assert (await uow.associates.get(shop.bob.id)).welcome_text == template

    # Names are user text too: Telegram lets anyone call themselves "<i>Carla</i>".
    carla = (await stack.people.create_user("<i>Carla</i>", username="carla_x"))["id"]
    welcome = await enrol(stack, shop, carla, shop.bob)

    assert welcome["text"].startswith("Hi <i>Carla</i>, <b>Bob</b> here")
    start, end = 0, len("Hi <i>Carla</i>, <b>Bob</b> here")
    overlapping = [e for e in welcome["entities"] if e["offset"] < end and e["offset"] + e["length"] > start]
    assert overlapping == []
    assert f"code {(await membership(stack, carla)).coupons[0].code}" in welcome["text"]  # the rest is still the product's
    notice = (await notices(stack, shop.bob_user, "🎉 New member"))[0]
    assert notice.startswith("🎉 New member: <i>Carla</i> (@carla_x)")


async def test_an_unknown_placeholder_is_refused_and_the_welcome_kept(stack):
    shop = await open_shop(stack)
    await stack.reply_to(shop.bob_user, stack.associate_bot, "/welcome Hello from {associate}")

    refusal = await stack.reply_to(shop.bob_user, stack.associate_bot, "/welcome Hi {nope}")

    assert refusal["text"] == "Unknown placeholder {nope}. Use {member}, {associate}, {store} or {brand}."
    async with stack.runtime.services.uow() as uow:
        assert (await uow.associates.get(shop.bob.id)).welcome_text == "Hello from {associate}"


async def test_welcome_without_text_shows_the_current_one_and_reset_restores_the_brands(stack):
    shop = await open_shop(stack)
    await stack.reply_to(shop.bob_user, stack.associate_bot, "/welcome Hello from {associate} at {store}")

    current = await stack.reply_to(shop.bob_user, stack.associate_bot, "/welcome")
    reset = await stack.reply_to(shop.bob_user, stack.associate_bot, "/welcome reset")

    assert f"Hello from Bob at {STORE_NAME}" in current["text"]
    assert reset["text"] == "Your welcome message is the brand's again."
    async with stack.runtime.services.uow() as uow:
        assert (await uow.associates.get(shop.bob.id)).welcome_text is None
    alice = await stack.person("Alice")
    assert (await enrol(stack, shop, alice, shop.bob))["text"].startswith("Hi Alice, I'm Bob from")


async def test_a_member_or_a_deactivated_associate_cannot_set_a_welcome(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    refusal = await stack.reply_to(alice, stack.associate_bot, "/welcome Hi {member}, buy now")

    assert refusal["text"].startswith("/welcome is for store associates.\n\nMaison Test staff bot")
    async with stack.runtime.services.uow() as uow:
        assert (await uow.associates.get(shop.bob.id)).welcome_text is None
        assert [e for e in await uow.audit.recent(50) if e.action == "associate.welcome_changed"] == []

    await set_status(stack, shop.lina, AssociateStatus.DEACTIVATED)
    refusal = await stack.reply_to(shop.lina_user, stack.associate_bot, "/welcome Hi {member}")
    assert refusal["text"].startswith("/welcome is for store associates.\n\nMaison Test staff bot")
    async with stack.runtime.services.uow() as uow:
        assert (await uow.associates.get(shop.lina.id)).welcome_text is None


async def test_a_forged_consent_button_is_called_stale_and_changes_nothing(stack):
    """A member's client sends consent data no button of ours carries: the answer says the
    button is no longer valid (not that they are not a member), and no consent moves."""
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    card = await stack.reply_to(alice, stack.consumer_bot, "/me")
    before = (await membership(stack, alice)).member

    answers = [await push_callback(stack, alice, stack.consumer_bot, card["message_id"], data)
               for data in ("cs:phone:1", "cs:marketing:2", "cs:", "cs:chat:1:extra")]
    await settle(stack)

    assert all(a["show_alert"] and a["text"].startswith("This button is no longer valid.") for a in answers), answers
    after = (await membership(stack, alice)).member
    assert (after.consent_marketing, after.consent_chat) == (before.consent_marketing, before.consent_chat)
    said = [m["text"] or "" for m in await stack.bot_messages(alice, stack.consumer_bot)]
    assert not any("not a member" in t for t in said)
