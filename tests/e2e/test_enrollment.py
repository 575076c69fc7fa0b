"""One scan, end to end: a shopper scans an associate's QR code and becomes a member.

Given a store with two associates, Bob and Lina, each with a signed enrollment code and
a short code, and a reward rule of 10% off for 30 days. A scan is the person sending
"/start <code>" to the consumer bot, exactly what Telegram does for a deep link.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

from bot.interface.callbacks import PickAssociate, PickStore, SwitchChoice
from commerce.people import AssociateStatus, LinkReason
from commerce.rewards import ScanOutcome
from tests.e2e.scenario import (
    STORE_NAME,
    bot_texts,
    buttons,
    count_rows,
    enrol,
    membership,
    notices,
    open_shop,
    press,
    scan,
    set_status,
    settle,
    wait_for_edit,
    wait_for_text,
)


# --- the tests --------------------------------------------------------------------------


async def test_a_fresh_scan_enrols_links_rewards_welcomes_and_tells_the_associate_once(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")

    welcome = await scan(stack, alice, shop.code(shop.bob))
    phone_prompt = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: m["message_id"] > welcome["message_id"], 10.0,
                                               after_message_id=welcome["message_id"])
    notice = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "New member")
    await settle(stack)

    state = await membership(stack, alice)
    member = state.member
    assert member is not None
    assert (member.first_name, member.store_id, member.source_associate_id) == ("Alice", shop.store.id, shop.bob.id)
    assert member.consent_chat is True and member.consent_marketing is True and member.reachable is True
    assert [(link.associate_id, link.reason, link.ended_at) for link in state.links] == [(shop.bob.id, LinkReason.ENROLLED, None)]
    [coupon] = state.coupons
    assert coupon.percent_off == 10 and coupon.code.startswith("WELCOME-")
    assert (coupon.expires_at - coupon.issued_at).days == 30
    assert [(s.outcome, s.associate_id, s.member_id) for s in state.scans] == [(ScanOutcome.ENROLLED, shop.bob.id, member.id)]
    assert (await count_rows(stack, "member"), await count_rows(stack, "link"), await count_rows(stack, "coupon")) == (1, 1, 1)

    # The welcome, in Bob's voice, with the gift and the one-tap "no".
    assert welcome["text"].startswith(f"Hi Alice, I'm Bob from {STORE_NAME}. Welcome to Maison Test!")
    assert f"10% off your first order with code {coupon.code}" in welcome["text"]
    assert ("No offers, thanks", "cs:marketing:0") in buttons(welcome)
    assert ("My membership", "me") in buttons(welcome)
    keyboard = phone_prompt["reply_markup"]["keyboard"]
    assert keyboard[0][0] == {"text": "Share my phone number", "request_contact": True}
    assert "share your phone number" in phone_prompt["text"]

    # Bob hears about his new member, with the reward she got.
    assert notice["text"].startswith("🎉 New member: Alice (@alice")
    assert f"Store: {STORE_NAME}" in notice["text"] and f"Reward: {coupon.code}" in notice["text"]

    # Each exactly once.
    texts = await bot_texts(stack, alice, stack.consumer_bot)
    assert len(texts) == 2 and sum(coupon.code in t for t in texts) == 1
    assert len(await notices(stack, shop.bob_user, "New member")) == 1
    assert await notices(stack, shop.lina_user, "New member") == []
    async with stack.runtime.services.uow() as uow:
        enrolled = [e for e in await uow.audit.recent(50) if e.action == "member.enrolled"]
    assert [(e.actor, e.subject) for e in enrolled] == [(f"member:{member.id}", f"associate:{shop.bob.id}")]


async def test_rescanning_the_same_associate_says_welcome_back_and_changes_nothing(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    before = await membership(stack, alice)

    again = await scan(stack, alice, shop.code(shop.bob))
    await settle(stack)

    assert again["text"] == f"Welcome back, Alice! Bob from {STORE_NAME} is still your associate — just write here."
    after = await membership(stack, alice)
    assert after.member == before.member
    assert after.links == before.links and after.coupons == before.coupons
    assert [s.outcome for s in after.scans] == [ScanOutcome.ENROLLED, ScanOutcome.RESCANNED]
    assert len(await notices(stack, shop.bob_user, "New member")) == 1
    assert sum("Welcome back" in t for t in await bot_texts(stack, alice, stack.consumer_bot)) == 1
    # A /start without a code (a desktop client dropped it) says the same, without a scan.
    plain = await stack.reply_to(alice, stack.consumer_bot, "/start")
    assert plain["text"].startswith("Welcome back to Maison Test, Alice!") and "your associate Bob will answer" in plain["text"]
    assert len((await membership(stack, alice)).scans) == 2


async def test_a_tampered_or_spliced_code_creates_nothing_and_is_politely_refused(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    bob_code, lina_code = shop.code(shop.bob), shop.code(shop.lina)
    tampered = bob_code[:-1] + ("A" if bob_code[-1] != "A" else "B")
    # Lina's id with Bob's signature: a forger who knows the format but not the key.
    spliced = lina_code[: len(lina_code) - 20] + bob_code[-20:]

    replies = [await scan(stack, alice, tampered), await scan(stack, alice, spliced)]
    await settle(stack)

    assert [r["text"].startswith("Sorry, this code is not valid.") for r in replies] == [True, True]
    state = await membership(stack, alice)
    assert state.member is None and await count_rows(stack, "member") == 0
    assert [(s.outcome, s.associate_id, s.member_id) for s in state.scans] == [(ScanOutcome.INVALID, None, None)] * 2
    assert await count_rows(stack, "coupon") == 0 and await count_rows(stack, "link") == 0
    assert await notices(stack, shop.bob_user, "New member") == [] and await notices(stack, shop.lina_user, "New member") == []


async def test_a_deactivated_associates_code_offers_the_store_team_and_enrols_with_the_pick(stack):
    shop = await open_shop(stack)
    await set_status(stack, shop.bob, AssociateStatus.DEACTIVATED)
    alice = await stack.person("Alice")

    offer = await scan(stack, alice, shop.code(shop.bob))
    assert offer["text"] == f"Bob no longer takes new members, but the {STORE_NAME} team is happy to help. Choose an associate:"
    assert buttons(offer) == [("Lina", PickAssociate(shop.lina.id).pack())]
    assert (await membership(stack, alice)).member is None

    await press(stack, alice, stack.consumer_bot, offer, PickAssociate(shop.lina.id).pack())
    welcome = await wait_for_text(stack, alice, stack.consumer_bot, "Hi Alice", after=offer["message_id"])
    await wait_for_text(stack, shop.lina_user, stack.associate_bot, "New member")
    await settle(stack)

    assert "I'm Lina from" in welcome["text"]
    state = await membership(stack, alice)
    assert state.member is not None and state.member.source_associate_id == shop.lina.id
    assert [(link.associate_id, link.reason) for link in state.links] == [(shop.lina.id, LinkReason.ENROLLED)]
    assert [s.outcome for s in state.scans] == [ScanOutcome.DEACTIVATED, ScanOutcome.ENROLLED]
    assert len(state.coupons) == 1
    assert await notices(stack, shop.bob_user, "New member") == []
    # The store's list, for someone whose client dropped the code, leaves Bob out too.
    dan = await stack.person("Dan")
    stores = await stack.reply_to(dan, stack.consumer_bot, "/start")
    await press(stack, dan, stack.consumer_bot, stores, PickStore(shop.store.id).pack())
    team = await wait_for_text(stack, dan, stack.consumer_bot, "Who helped you", after=stores["message_id"])
    assert buttons(team) == [("Lina", PickAssociate(shop.lina.id).pack())]


async def test_another_associates_code_offers_a_choice_and_keep_leaves_the_link(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    offer = await scan(stack, alice, shop.code(shop.lina))
    assert offer["text"].startswith(f"You're already looked after by Bob ({STORE_NAME}).")
    assert buttons(offer) == [("Stay with Bob", SwitchChoice(shop.lina.id, False).pack()),
                              ("Switch to Lina", SwitchChoice(shop.lina.id, True).pack())]

    answer = await press(stack, alice, stack.consumer_bot, offer, SwitchChoice(shop.lina.id, False).pack())
    edited = await wait_for_edit(stack, alice, stack.consumer_bot, offer, "You stay with Bob")
    await settle(stack)

    assert answer["text"] is None and not answer["show_alert"]
    assert edited["text"] == "You stay with Bob. Nothing changed." and buttons(edited) == []
    state = await membership(stack, alice)
    assert [(link.associate_id, link.ended_at) for link in state.links] == [(shop.bob.id, None)]
    assert await notices(stack, shop.lina_user, "🔁") == [] and await notices(stack, shop.bob_user, "🔁") == []
    assert len(state.coupons) == 1


async def test_switching_to_another_associate_ends_the_old_link_and_tells_both(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    offer = await scan(stack, alice, shop.code(shop.lina))

    await press(stack, alice, stack.consumer_bot, offer, SwitchChoice(shop.lina.id, True).pack())
    edited = await wait_for_edit(stack, alice, stack.consumer_bot, offer, "Done:")
    switched_in = await wait_for_text(stack, shop.lina_user, stack.associate_bot, "switched to you")
    switched_out = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "chose to continue")
    await settle(stack)

    assert edited["text"] == f"Done: Lina from {STORE_NAME} is now your associate." and buttons(edited) == []
    state = await membership(stack, alice)
    old, new = state.links
    assert (old.associate_id, old.reason, old.end_reason) == (shop.bob.id, LinkReason.ENROLLED, LinkReason.SWITCHED_BY_MEMBER)
    assert old.ended_at is not None
    assert (new.associate_id, new.reason, new.ended_at) == (shop.lina.id, LinkReason.SWITCHED_BY_MEMBER, None)
    assert state.current == new
    assert state.member.source_associate_id == shop.bob.id  # attribution stays with the recruiter
    assert len(state.coupons) == 1
    assert switched_in["text"] == "🔁 Alice switched to you from Bob. Their whole history is in /history."
    assert switched_out["text"] == "🔁 Alice chose to continue with Lina."
    assert len(await notices(stack, shop.lina_user, "🔁")) == 1 and len(await notices(stack, shop.bob_user, "🔁")) == 1
    assert await notices(stack, shop.lina_user, "New member") == []
    async with stack.runtime.services.uow() as uow:
        audit = [e for e in await uow.audit.recent(50) if e.action == "link.switched"]
    assert [(e.subject, e.details["from_associate_id"]) for e in audit] == [(f"associate:{shop.lina.id}", shop.bob.id)]
    # Lina's code is now a "welcome back", Bob's the one that offers a choice.
    assert (await scan(stack, alice, shop.code(shop.lina)))["text"].startswith("Welcome back, Alice! Lina from")
    assert (await scan(stack, alice, shop.code(shop.bob)))["text"].startswith("You're already looked after by Lina")


async def test_start_without_a_code_lets_the_person_pick_the_store_then_the_associate(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")

    stores = await stack.reply_to(alice, stack.consumer_bot, "/start")
    assert "send the short code" in stores["text"]
    assert buttons(stores) == [(STORE_NAME, PickStore(shop.store.id).pack())]

    await press(stack, alice, stack.consumer_bot, stores, PickStore(shop.store.id).pack())
    team = await wait_for_text(stack, alice, stack.consumer_bot, "Who helped you", after=stores["message_id"])
    assert team["text"] == f"Who helped you at {STORE_NAME}?"
    assert buttons(team) == [("Bob", PickAssociate(shop.bob.id).pack()), ("Lina", PickAssociate(shop.lina.id).pack())]

    await press(stack, alice, stack.consumer_bot, team, PickAssociate(shop.bob.id).pack())
    welcome = await wait_for_text(stack, alice, stack.consumer_bot, "Hi Alice", after=team["message_id"])
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "New member")
    await settle(stack)

    assert "I'm Bob from" in welcome["text"]
    state = await membership(stack, alice)
    assert [(link.associate_id, link.reason) for link in state.links] == [(shop.bob.id, LinkReason.ENROLLED)]
    assert len(state.coupons) == 1


async def test_typing_the_short_code_in_lower_case_with_a_dash_enrols_too(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    unknown = next(c for c in ("ABCDEF", "GHJKMN") if c not in (shop.bob.short_code, shop.lina.short_code))
    typed = f"{shop.bob.short_code[:3]}-{shop.bob.short_code[3:]}".lower()

    wrong = await stack.reply_to(alice, stack.consumer_bot, unknown.lower())
    assert wrong["text"] == f"No associate has the code {unknown}. Please check the code under the QR code and try again."
    assert (await membership(stack, alice)).member is None

    welcome = await stack.reply_to(alice, stack.consumer_bot, typed)
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "New member")
    await settle(stack)

    assert welcome["text"].startswith("Hi Alice, I'm Bob from")
    state = await membership(stack, alice)
    assert state.member is not None and [link.associate_id for link in state.links] == [shop.bob.id]
    assert [s.outcome for s in state.scans] == [ScanOutcome.ENROLLED]
