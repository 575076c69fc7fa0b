"""Member controls, end to end: a member switches to another associate of their store
(/switch or the /me button) or stops chatting with theirs (/stopchat, confirmed); both
associates are told, the relay follows the new link, and forged buttons move nobody.

Given the store of the enrollment tests (Bob and Lina), members enrolled by scanning.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

from bot.interface.callbacks import AskStopChat, ChooseAssociate, ConsentChoice, OpenChat, PickAssociate, StopChat, SwitchTo
from commerce.people import Associate, AssociateStatus, LinkReason, Store
from tests.e2e.scenario import (
    HEADER_OF,
    STORE_NAME,
    associate_reads,
    buttons,
    enrol,
    member_says,
    membership,
    open_shop,
    press,
    push_callback,
    set_status,
    settle,
    wait_for_text,
)


async def audit_actions(stack, prefix: str) -> list[tuple[str, str]]:
    async with stack.runtime.services.uow() as uow:
        return [(e.action, e.subject) for e in reversed(await uow.audit.recent(100)) if e.action.startswith(prefix)]


async def test_a_member_switches_to_another_associate_from_me_and_both_associates_are_told(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Is the trench coat back?")
    old_copy = await associate_reads(stack, shop.bob_user, "trench coat")

    card = await stack.reply_to(alice, stack.consumer_bot, "/me")
    assert ("🔁 Switch associate", ChooseAssociate().pack()) in buttons(card)
    await press(stack, alice, stack.consumer_bot, card, ChooseAssociate().pack())
    team = await wait_for_text(stack, alice, stack.consumer_bot, "Who would you like to chat with")
    await press(stack, alice, stack.consumer_bot, team, SwitchTo(shop.lina.id).pack())
    done = await wait_for_text(stack, alice, stack.consumer_bot, "Done: you are now chatting with Lina")
    moved_in = await wait_for_text(stack, shop.lina_user, stack.associate_bot, "chose you as their associate")
    moved_out = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "moved to Lina")
    await press(stack, shop.lina_user, stack.associate_bot, moved_in, buttons(moved_in)[0][1])
    await wait_for_text(stack, shop.lina_user, stack.associate_bot, "trench coat", after=moved_in["message_id"])
    await member_says(stack, alice, "Hello Lina!")
    await associate_reads(stack, shop.lina_user, HEADER_OF.format(name="Alice") + "\nHello Lina!")
    late = await stack.people.send_text(shop.bob_user, stack.associate_bot, "It is!", reply_to_message_id=old_copy["message_id"])
    refused = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: True, 10.0, after_message_id=late["message_id"])
    await settle(stack)

    assert buttons(team) == [("Lina", SwitchTo(shop.lina.id).pack())], "the current associate is not offered"
    assert done["text"] == f"Done: you are now chatting with Lina ({STORE_NAME}). Just write here; your earlier messages are kept."
    assert moved_in["text"].startswith("🔁 Alice") and "(before: Bob)" in moved_in["text"]
    assert buttons(moved_in) == [("💬 Open the conversation", OpenChat((await membership(stack, alice)).member.id).pack())]
    assert moved_out["text"] == "🔁 Alice moved to Lina. Their messages go to Lina from now on, and you can no longer write to them."
    assert refused["text"] == "This member is no longer one of your members, so your reply was not sent."
    assert not [t for t in await stack.bot_messages(shop.bob_user, stack.associate_bot) if "Hello Lina" in (t["text"] or "")]
    assert not [m for m in await stack.bot_messages(alice, stack.consumer_bot) if "It is!" in (m["text"] or "")]
    old, new = (await membership(stack, alice)).links
    assert (old.associate_id, old.end_reason) == (shop.bob.id, LinkReason.SWITCHED_BY_MEMBER)
    assert (new.associate_id, new.reason, new.ended_at) == (shop.lina.id, LinkReason.SWITCHED_BY_MEMBER, None)
    assert await audit_actions(stack, "link.") == [("link.switched", f"associate:{shop.lina.id}")]


async def test_a_member_stops_chatting_after_confirming_gets_a_polite_answer_and_comes_back_with_switch(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    ask = await stack.reply_to(alice, stack.consumer_bot, "/stopchat")
    await press(stack, alice, stack.consumer_bot, ask, StopChat(False).pack())
    await wait_for_text(stack, alice, stack.consumer_bot, "still chatting with Bob")
    assert (await membership(stack, alice)).current.associate_id == shop.bob.id
    ask = await stack.reply_to(alice, stack.consumer_bot, "/stopchat")
    await press(stack, alice, stack.consumer_bot, ask, StopChat(True).pack())
    stopped = await wait_for_text(stack, alice, stack.consumer_bot, "you have stopped chatting with Bob")
    told = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "stopped chatting with you")
    polite = await stack.reply_to(alice, stack.consumer_bot, "Still there?")
    card = await stack.reply_to(alice, stack.consumer_bot, "/me")
    await press(stack, alice, stack.consumer_bot, polite, ChooseAssociate().pack())
    team = await wait_for_text(stack, alice, stack.consumer_bot, "Who would you like to chat with")
    await press(stack, alice, stack.consumer_bot, team, SwitchTo(shop.bob.id).pack())
    back = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "chose you as their associate")
    await settle(stack)

    assert "Stop chatting with Bob?" in ask["text"]
    assert buttons(ask) == [("Yes, stop chatting", StopChat(True).pack()), ("Keep chatting", StopChat(False).pack())]
    assert "/switch" in stopped["text"]
    assert told["text"].startswith("✋ Alice stopped chatting with you.")
    assert "don't have an associate" in polite["text"] and buttons(polite) == [("💬 Choose an associate", ChooseAssociate().pack())]
    assert ("💬 Choose an associate", ChooseAssociate().pack()) in buttons(card)
    assert AskStopChat().pack() not in [data for _, data in buttons(card)]
    assert not [data for _, data in buttons(card) if data.startswith(ConsentChoice.prefix + ":chat")], \
        "no associate, nothing to pause"
    assert [name for name, _ in buttons(team)] == ["Bob", "Lina"]
    assert "before:" not in back["text"]
    assert not [m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot) if "Still there" in (m["text"] or "")]
    first, again = (await membership(stack, alice)).links
    assert (first.end_reason, again.associate_id, again.ended_at) == (LinkReason.ENDED_BY_MEMBER, shop.bob.id, None)
    assert await audit_actions(stack, "link.") == [("link.ended", f"associate:{shop.bob.id}"), ("link.resumed", f"associate:{shop.bob.id}")]


async def test_forged_switch_buttons_for_another_store_or_a_deactivated_associate_move_nobody(stack):
    shop = await open_shop(stack)
    alice, stranger = await stack.person("Alice"), await stack.person("Sam")
    await enrol(stack, shop, alice, shop.bob)
    zed_user = await stack.person("Zed")
    async with stack.runtime.services.uow() as uow:
        other = await uow.stores.add(Store(brand_id=stack.runtime.services.brand.id, code="BJ1", name="Beijing Sanlitun"))
        zed = await uow.associates.add(Associate(store_id=other.id, display_name="Zed", short_code="ZED1", telegram_user_id=zed_user))
        await uow.commit()
    await set_status(stack, shop.lina, AssociateStatus.DEACTIVATED)
    card = await stack.reply_to(alice, stack.consumer_bot, "/me")
    stranger_hello = await stack.reply_to(stranger, stack.consumer_bot, "/help")

    refusals = [await push_callback(stack, alice, stack.consumer_bot, card["message_id"], data)
                for data in (SwitchTo(zed.id).pack(), SwitchTo(shop.lina.id).pack(), SwitchTo(999_999).pack())]
    malformed = await push_callback(stack, alice, stack.consumer_bot, card["message_id"], "xa:abc")
    await push_callback(stack, alice, stack.consumer_bot, card["message_id"], PickAssociate(zed.id).pack())
    await push_callback(stack, stranger, stack.consumer_bot, stranger_hello["message_id"], StopChat(True).pack())
    await push_callback(stack, stranger, stack.consumer_bot, stranger_hello["message_id"], SwitchTo(shop.bob.id).pack())
    await settle(stack)
    team = await stack.reply_to(alice, stack.consumer_bot, "/switch")
    await settle(stack)

    assert all(r["show_alert"] and "not available" in r["text"] for r in refusals)
    assert malformed["show_alert"] and "no longer valid" in malformed["text"]
    state = await membership(stack, alice)
    assert [link.associate_id for link in state.links] == [shop.bob.id], "no link was moved or ended"
    assert (await membership(stack, stranger)).member is None
    assert "Nobody else at" in team["text"] and buttons(team) == [], "a deactivated associate is never offered"
    assert not [m for m in await stack.bot_messages(zed_user, stack.associate_bot) if "Alice" in (m["text"] or "")]
    assert not [m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot) if "moved" in (m["text"] or "")]
