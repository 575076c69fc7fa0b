"""Availability and escalation, end to end, with the runtime's clock in the test's hands.

Given the enrollment tests' store (Bob and Lina) in Shanghai, open Mon-Sat 10:00-22:00,
with Carol on the team too and Lina its manager. Members write to Bob. The clock is
injected (the stack's handler clock): messages are stamped with it and the escalation job is called
with it, the way the scheduler would call it every minute.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.interface.callbacks import ClaimEscalation
from bot.runtime.escalation_job import escalate_due
from commerce.availability import Escalation, EscalationStatus
from commerce.conversations import Direction, MessageKind
from commerce.people import Associate, HQOperator, Member, Store
from commerce.relay import record_message
from storage.backends import SendLimits
from tests.e2e.scenario import (
    MONDAY_NOON,
    SHANGHAI,
    STORE_NAME,
    buttons,
    command,
    enrol_with_bob,
    membership,
    open_team,
    push_callback,
    says,
    scan,
    settle,
    wait_for_edit,
    wait_for_text,
)


@pytest.fixture
def stack_limits() -> SendLimits:
    """Bob's chat gets many short messages here; Telegram's pace of one message a second per
    chat is the sender's business (tests/e2e/test_delivery.py), not this one's."""
    return SendLimits(per_chat_rate=50.0, per_chat_burst=20)


@pytest.fixture(autouse=True)
async def quick_chats(stack) -> None:
    """The sandbox's flood control, raised to match stack_limits."""
    await stack.people.set_limits(per_chat_rate=50.0, per_chat_burst=20)


async def texts(stack, user: int, bot: str, needle: str) -> list[str]:
    return [m["text"] for m in await stack.bot_messages(user, bot) if needle in (m["text"] or "")]


# --- away, working hours and the auto-reply ----------------------------------------------------


async def test_a_member_hears_their_associate_is_away_at_most_once_per_window_and_never_during_working_hours(stack):
    team = await open_team(stack, MONDAY_NOON)
    shop, bob = team.shop, team.shop.bob_user
    alice, dan = await stack.person("Alice"), await stack.person("Dan", language_code="zh-hans")
    await enrol_with_bob(stack, shop, alice, "Alice")
    await enrol_with_bob(stack, shop, dan, "Dan")

    # Working hours: relayed, nothing said back.
    await says(stack, alice, "Is the navy scarf in?", bob)
    await wait_for_text(stack, bob, stack.associate_bot, "navy scarf")
    assert await texts(stack, alice, stack.consumer_bot, "Bob is") == []

    # Bob goes away; bad input is explained first.
    assert (await command(stack, bob, "/away soon"))["text"].startswith("Tell members when you'll be back:")
    assert (await command(stack, bob, "/away 2026-01-01"))["text"].startswith("That time has already passed.")
    away = await command(stack, bob, "/away 3d At the <Milan> fair")
    assert away["text"].startswith("🌴 You're away until Thu 12:00 (Asia/Shanghai).")
    assert "Members are told: “At the <Milan> fair”" in away["text"]

    await says(stack, alice, "Hello?", bob)
    await says(stack, alice, "Anyone?", bob)
    await wait_for_text(stack, bob, stack.associate_bot, "Anyone?")  # nothing is lost
    told = "Bob is away until Thu 12:00 (UTC+8): “At the <Milan> fair”. Your message is saved and Bob will answer you then."
    assert await texts(stack, alice, stack.consumer_bot, "Bob is") == [told]

    # Twelve hours later (the brand's default window), once more.
    team.clock.set(MONDAY_NOON + timedelta(hours=12))
    await says(stack, alice, "Still there?", bob)
    assert await texts(stack, alice, stack.consumer_bot, "Bob is") == [told, told]  # from Tuesday 00:00, still "Thu 12:00"

    # Back, with working hours of his own: outside them the member hears when he is back.
    assert (await command(stack, bob, "/back"))["text"].startswith("👋 Welcome back!")
    bad = await command(stack, bob, "/hours Mon-Fri 18:00")
    assert bad["text"].startswith("Sorry, I couldn't read “Mon-Fri 18:00” as working hours.")
    team.clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=SHANGHAI))  # Tuesday 13:00: the store is open
    await says(stack, dan, "你好，请问有货吗？", bob)
    assert await texts(stack, dan, stack.consumer_bot, "不在岗") == [], "Bob follows the store's hours: working"
    hours = await command(stack, bob, "/hours Mon-Fri 18:00-22:00")
    assert hours["text"].startswith("🕘 Your working hours are now Mon-Fri 18:00-22:00 (Asia/Shanghai).")
    assert "Right now: outside your hours, back today 18:00." in hours["text"]
    await says(stack, dan, "在吗？", bob)
    assert await texts(stack, dan, stack.consumer_bot, "不在岗") == [
        "Bob 现在不在岗，将于今天 18:00（UTC+8）回来。您的消息已保存，Bob 届时会回复您。"]
    shown = await command(stack, bob, "/hours")
    assert shown["text"].startswith("🕘 Your working hours: Mon-Fri 18:00-22:00 (Asia/Shanghai).\n"
                                    "Right now: outside your hours, back today 18:00.")
    cleared = await command(stack, bob, "/hours off")
    assert cleared["text"] == ("🕘 Your own working hours are cleared: the store's hours apply again, "
                               "Mon-Sat 10:00-22:00 (Asia/Shanghai).")
    await says(stack, alice, "Thanks!", bob)
    assert len(await texts(stack, alice, stack.consumer_bot, "Bob is")) == 2


# --- escalation to the store team ---------------------------------------------------------------


async def test_an_unanswered_member_goes_to_the_store_team_in_open_hours_and_the_first_claimer_answers(stack):
    saturday_late = datetime(2026, 11, 28, 21, 50, tzinfo=SHANGHAI)  # ten minutes before closing
    team = await open_team(stack, saturday_late)
    shop, services = team.shop, stack.runtime.services
    bob, lina, carol = shop.bob_user, shop.lina_user, team.carol_user
    alice, dan = await stack.person("Alice"), await stack.person("Dan")
    await enrol_with_bob(stack, shop, alice, "Alice")
    await enrol_with_bob(stack, shop, dan, "Dan")
    await says(stack, alice, "Can I pick up <my> order on Monday?", bob)
    await says(stack, dan, "Do you repair bags?", bob)
    team.clock.set(saturday_late + timedelta(minutes=5))
    await says(stack, alice, "At 11 if possible", bob)

    # Not while the store is closed, nor before 30 open minutes have passed.
    for at in (datetime(2026, 11, 28, 22, 30, tzinfo=SHANGHAI), datetime(2026, 11, 29, 15, 0, tzinfo=SHANGHAI),
               datetime(2026, 11, 30, 10, 19, tzinfo=SHANGHAI)):
        assert (await escalate_due(services, at)).escalated == 0
    monday = datetime(2026, 11, 30, 10, 20, tzinfo=SHANGHAI)
    team.clock.set(monday)
    run = await escalate_due(services, monday)
    assert (run.escalated, run.cards) == (2, 4)  # Alice and Dan, each to Lina and Carol
    assert (await escalate_due(services, monday + timedelta(minutes=5))).escalated == 0, "once per unanswered run"
    await settle(stack)

    card = {name: await wait_for_text(stack, user, stack.associate_bot, "⏰ Alice") for name, user in (("lina", lina), ("carol", carol))}
    dan_card = {name: await wait_for_text(stack, user, stack.associate_bot, "⏰ Dan") for name, user in (("lina", lina), ("carol", carol))}
    assert card["lina"]["text"] == (
        f"⏰ Alice has been waiting 1 d 13 h for an answer from Bob ({STORE_NAME}):\n"
        "› Can I pick up <my> order on Monday?\n› At 11 if possible\n"
        "Can you help? Press Claim, then reply to answer under your own name.")
    [(label, data)] = buttons(card["carol"])
    assert label == "✋ Claim" and ClaimEscalation.unpack(data) is not None
    assert await texts(stack, bob, stack.associate_bot, "⏰ Alice") == [
        f"⏰ Alice has been waiting 1 d 13 h for an answer, so I asked the {STORE_NAME} team to help. You can still reply as usual."]

    # The manager sees them; others may not.
    listing = await command(stack, lina, "/escalations")
    assert listing["text"] == (f"⏰ Unanswered at {STORE_NAME} (2)\n"
                               "1. Alice → Bob · escalated today 10:20 (1 min ago) · not claimed yet\n"
                               "2. Dan → Bob · escalated today 10:20 (1 min ago) · not claimed yet")
    assert (await command(stack, carol, "/escalations"))["text"] == "Only store managers can see the store's escalations."

    # Replying to a card without claiming it sends nothing.
    await stack.people.send_text(carol, stack.associate_bot, "Sure!", reply_to_message_id=card["carol"]["message_id"])
    await wait_for_text(stack, carol, stack.associate_bot, "Press ✋ Claim on the card first, then reply to it to answer.")
    assert await texts(stack, alice, stack.consumer_bot, "Sure!") == []

    # Lina and Carol press Claim at the same moment: one wins, the other is told who.
    team.clock.set(monday + timedelta(minutes=2))
    answers = await asyncio.gather(*(stack.people.press_button(user, stack.associate_bot, card[name]["message_id"],
                                                               buttons(card[name])[0][1], timeout=5.0)
                                     for name, user in (("lina", lina), ("carol", carol))))
    won = [a["text"].startswith("✋ You claimed Alice's question") for a in answers]
    assert sorted(won) == [False, True], answers
    winner, loser = ("lina", "carol") if won[0] else ("carol", "lina")
    users = {"lina": lina, "carol": carol}
    names = {"lina": "Lina", "carol": "Carol"}
    assert answers[won.index(False)]["text"] == f"Already claimed by {names[winner]}."
    await settle(stack)
    await wait_for_edit(stack, users[loser], stack.associate_bot, card[loser], f"Already claimed by {names[winner]}.")
    claimed_card = await wait_for_edit(stack, users[winner], stack.associate_bot, card[winner], "✋ You claimed")
    assert buttons(claimed_card) == []
    conversation = await wait_for_text(stack, users[winner], stack.associate_bot, "History with Alice")
    assert "At 11 if possible" in conversation["text"]

    # Forged presses change nothing and say nothing about the escalation.
    async with services.uow() as uow:
        other = await uow.stores.add(Store(brand_id=services.brand.id, code="BJ1", name="Beijing Sanlitun"))
        wei_user, hannah_user = await stack.person("Wei"), await stack.person("Hannah")
        await uow.associates.add(Associate(store_id=other.id, display_name="Wei", short_code="WEI1", telegram_user_id=wei_user))
        await uow.hq.add(HQOperator(brand_id=services.brand.id, name="Hannah", telegram_user_id=hannah_user))
        await uow.commit()
    alice_escalation = ClaimEscalation.unpack(buttons(card[loser])[0][1])  # the data the loser's card carried
    assert alice_escalation is not None
    for user in (wei_user, hannah_user):
        started = await stack.reply_to(user, stack.associate_bot, "/start")
        refused = await push_callback(stack, user, stack.associate_bot, started["message_id"], alice_escalation.pack())
        assert refused["text"] == "This isn't an escalation you can claim."
    bob_notice = await wait_for_text(stack, bob, stack.associate_bot, "⏰ Alice")
    own = await push_callback(stack, bob, stack.associate_bot, bob_notice["message_id"], alice_escalation.pack())
    assert own["text"] == "Alice is your own member: just reply to their message."
    missing = await push_callback(stack, users[loser], stack.associate_bot, card[loser]["message_id"],
                                  ClaimEscalation(alice_escalation.escalation_id + 100).pack())
    assert missing["text"] == "This isn't an escalation you can claim."
    async with services.uow() as uow:
        stored = await uow.escalations.get(alice_escalation.escalation_id)
    assert stored.status is EscalationStatus.CLAIMED and stored.claimed_by == (shop.lina.id if winner == "lina" else team.carol.id)

    # The loser cannot answer through the card; the winner's reply reaches Alice under their own name.
    await stack.people.send_text(users[loser], stack.associate_bot, "I can help!", reply_to_message_id=card[loser]["message_id"])
    await wait_for_text(stack, users[loser], stack.associate_bot, f"Already claimed by {names[winner]}.",
                        after=card[loser]["message_id"])
    await stack.people.send_text(users[winner], stack.associate_bot, "Yes, Monday at 11 is fine.",
                                 reply_to_message_id=card[winner]["message_id"])
    answer = await wait_for_text(stack, alice, stack.consumer_bot, "Monday at 11 is fine")
    assert answer["text"] == f"{names[winner]} · {STORE_NAME}\nYes, Monday at 11 is fine."
    told = await wait_for_text(stack, bob, stack.associate_bot, "answered Alice")
    assert told["text"] == f"✅ {names[winner]} answered Alice: “Yes, Monday at 11 is fine.”"
    await settle(stack)
    assert [link.associate_id for link in (await membership(stack, alice)).links] == [shop.bob.id], "the link never changes"
    assert await texts(stack, alice, stack.consumer_bot, "Monday at 11") == [answer["text"]]

    # Bob answers Dan himself: Dan's escalation closes and its cards say so.
    relayed = await wait_for_text(stack, bob, stack.associate_bot, "repair bags")
    await stack.people.send_text(bob, stack.associate_bot, "Yes we do!", reply_to_message_id=relayed["message_id"])
    await wait_for_text(stack, dan, stack.consumer_bot, "Yes we do!")
    await settle(stack)
    for name, user in (("lina", lina), ("carol", carol)):
        await wait_for_edit(stack, user, stack.associate_bot, dan_card[name], "✅ Bob answered Dan.")
    late = await push_callback(stack, lina, stack.associate_bot, dan_card["lina"]["message_id"], buttons(dan_card["carol"])[0][1])
    assert late["text"] == "Dan has been answered already."
    assert (await command(stack, lina, "/escalations"))["text"] == f"✅ Nothing unanswered at {STORE_NAME}: no open escalations."

    # Alice's next message still goes to Bob, and starts a new run.
    await says(stack, alice, "Perfect, thanks!", bob)
    await wait_for_text(stack, bob, stack.associate_bot, "Perfect, thanks!")
    assert await texts(stack, users[winner], stack.associate_bot, "Perfect, thanks!") == []


async def test_long_names_and_a_long_backlog_still_reach_the_store_team_within_telegrams_limits(stack):
    """Given a member whose name is long and holds "&" and "<": the Claim toast is plain text
    (Telegram shows no HTML there) within its 200 characters; given 60 more unanswered
    members, /escalations still fits one message and says how many it left out."""
    team = await open_team(stack, MONDAY_NOON)
    shop, services = team.shop, stack.runtime.services
    first, last = "Ann & <Co> Rosalind-Montgomery-Fitzgerald", "Featherstonehaugh-Cholmondeley-Marjoribanks"
    ann = (await stack.people.create_user(first, last_name=last, username="ann_and_co"))["id"]
    await scan(stack, ann, shop.code(shop.bob))
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "New member: Ann &")
    await settle(stack)
    await says(stack, ann, "Is the green bag back in stock?", shop.bob_user)
    async with services.uow() as uow:
        for n in range(60):
            member = await uow.members.add(Member(brand_id=services.brand.id, telegram_user_id=900_000 + n,
                                                  first_name=f"Backlog member {n:02d} " + "x" * 40, last_name="y" * 60,
                                                  enrolled_at=MONDAY_NOON, store_id=shop.store.id))
            asked = await record_message(uow, member=member, associate=shop.bob, direction=Direction.IN, kind=MessageKind.TEXT,
                                         text="Hello?", source_message_id=None, relay_outbox_id=None, now=MONDAY_NOON)
            await uow.escalations.add(Escalation(member_id=member.id, associate_id=shop.bob.id, store_id=shop.store.id,
                                                 message_id=asked.id, opened_at=MONDAY_NOON))
        await uow.commit()

    # When the store has been open for half an hour, Ann is escalated and Carol claims her.
    later = MONDAY_NOON + timedelta(minutes=31)
    team.clock.set(later)
    assert (await escalate_due(services, later)).escalated == 1
    await settle(stack)
    card = await wait_for_text(stack, team.carol_user, stack.associate_bot, "⏰ Ann & <Co>")
    lina_card = await wait_for_text(stack, shop.lina_user, stack.associate_bot, "⏰ Ann & <Co>")
    toast = await stack.people.press_button(team.carol_user, stack.associate_bot, card["message_id"], buttons(card)[0][1],
                                            timeout=5.0)
    assert toast["text"].startswith(f"✋ You claimed {first} {last}'s question.")
    assert len(toast["text"]) <= 200 and toast["text"].endswith("…")
    edited = await wait_for_edit(stack, team.carol_user, stack.associate_bot, card, "✋ You claimed")
    assert edited["text"].endswith(f"{first} {last} stays with their associate."), "the card itself says it all"
    late = await push_callback(stack, shop.lina_user, stack.associate_bot, lina_card["message_id"], buttons(lina_card)[0][1])
    assert late["text"] == "Already claimed by Carol."  # a press that crossed the edit of her card

    # The manager's list keeps the oldest, fits Telegram's 4096 characters and counts the rest.
    listing = (await command(stack, shop.lina_user, "/escalations"))["text"]
    lines = listing.split("\n")
    assert len(listing) <= 4096 and lines[0] == f"⏰ Unanswered at {STORE_NAME} (61)"
    assert lines[1].startswith("1. Backlog member 00 ")
    shown = len(lines) - 2
    assert 10 < shown < 61 and lines[-1] == f"… and {61 - shown} more."


async def test_pressing_claim_again_on_a_card_that_says_who_claimed_it_sends_no_identical_edit(stack):
    """A teammate's card, edited to "Already claimed by Carol." by their first late press, is
    not edited again by the next presses (Telegram would refuse: "message is not modified")."""
    team = await open_team(stack, MONDAY_NOON)
    shop, services = team.shop, stack.runtime.services
    alice = await stack.person("Alice")
    await enrol_with_bob(stack, shop, alice, "Alice")
    await says(stack, alice, "Is the green bag back?", shop.bob_user)
    later = MONDAY_NOON + timedelta(minutes=31)
    team.clock.set(later)
    assert (await escalate_due(services, later)).escalated == 1
    await settle(stack)
    card = await wait_for_text(stack, team.carol_user, stack.associate_bot, "⏰ Alice")
    lina_card = await wait_for_text(stack, shop.lina_user, stack.associate_bot, "⏰ Alice")
    data = buttons(card)[0][1]
    await stack.people.press_button(team.carol_user, stack.associate_bot, card["message_id"], data, timeout=5.0)
    await settle(stack)
    failed = stack.metrics.value("storelink_messages_failed_total")
    edits_before = len(await stack.people.calls(bot=stack.associate_bot, method="editMessageText"))

    answers = []
    for _ in range(3):  # Lina's client still shows the button: she presses it, and again
        answers.append(await push_callback(stack, shop.lina_user, stack.associate_bot, lina_card["message_id"], data))
        await settle(stack)

    assert [a["text"] for a in answers] == ["Already claimed by Carol."] * 3
    await wait_for_edit(stack, shop.lina_user, stack.associate_bot, lina_card, "Already claimed by Carol.")
    edits = (await stack.people.calls(bot=stack.associate_bot, method="editMessageText"))[edits_before:]
    assert [call["status"] for call in edits] == [200], "one edit, and no refused repeats"
    assert stack.metrics.value("storelink_messages_failed_total") == failed
