"""/chats, delivery state and /stop, end to end: the associate sees their own members with
unread counts and pages through them, opens a conversation, learns when a reply could not
be delivered, and a member who stops marketing still chats with their associate.

Given the store of the enrollment tests (Bob and Lina). Both stacks run every test.
"""

from __future__ import annotations

from datetime import timedelta

from bot.interface.callbacks import ChatsPage, OpenChat
from commerce.conversations import Direction
from commerce.outbox import OutboxStatus
from commerce.people import Link, Member
from tests.e2e.conftest import eventually
from tests.e2e.scenario import (
    associate_reads,
    associate_replies,
    buttons,
    chats,
    enrol,
    history_of,
    member_says,
    membership,
    open_shop,
    press,
    push_callback,
    scan,
    settle,
    wait_for_edit,
    wait_for_text,
)


async def quiet_members(stack, shop, count: int) -> list[Member]:
    """Members of Bob's who never wrote, linked before anyone else (straight into the database)."""
    services = stack.runtime.services
    out = []
    async with services.uow() as uow:
        for n in range(count):
            member = await uow.members.add(Member(brand_id=services.brand.id, telegram_user_id=8_100_000_000 + n,
                                                  first_name=f"Quiet{n}", enrolled_at=services.clock.now() - timedelta(days=1),
                                                  store_id=shop.store.id))
            await uow.links.add(Link(member_id=member.id, associate_id=shop.bob.id, started_at=services.clock.now() - timedelta(days=1, minutes=n)))
            out.append(member)
        await uow.commit()
    return out


async def undelivered_notices(stack, associate_user: int, needle: str) -> list[str]:
    texts = [m["text"] or "" for m in await stack.bot_messages(associate_user, stack.associate_bot)]
    return [t for t in texts if t.startswith("⚠️") and needle in t]


async def test_chats_lists_only_own_members_latest_first_with_unread_counts_and_pages(stack):
    shop = await open_shop(stack)
    alice, carl, dora = await stack.person("Alice"), await stack.person("Carl"), await stack.person("Dora")
    for person, associate in ((alice, shop.bob), (carl, shop.bob), (dora, shop.lina)):
        await enrol(stack, shop, person, associate)
    await quiet_members(stack, shop, 7)
    await member_says(stack, carl, "Carl: is the coat back?")
    relayed = await associate_reads(stack, shop.bob_user, "Carl: is the coat")
    await associate_replies(stack, shop.bob_user, relayed, "Yes, since Monday")
    await wait_for_text(stack, carl, stack.consumer_bot, "since Monday")
    await member_says(stack, alice, "Alice: first <question>")
    await associate_reads(stack, shop.bob_user, "first")
    await member_says(stack, alice, "Alice: second question")
    await associate_reads(stack, shop.bob_user, "second question")
    await member_says(stack, dora, "Dora: secret for Lina")
    await associate_reads(stack, shop.lina_user, "secret for Lina")

    first = await chats(stack, shop.bob_user)
    lines = first["text"].splitlines()
    labels = buttons(first)
    nxt = [data for label, data in labels if "Next" in label]
    await press(stack, shop.bob_user, stack.associate_bot, first, nxt[0])
    second = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, first, "page 2")

    assert lines[0] == "Your chats · page 1"
    assert lines[1] == "1. Alice · 2 unread — Alice: second question"
    assert lines[2] == "2. Carl — you: Yes, since Monday"
    assert lines[3].startswith("3. Quiet") and lines[3].endswith("no messages yet")
    assert len(lines) == 9 and not any("Dora" in line for line in first["text"].splitlines())
    assert [label for label, _ in labels][:2] == ["Alice (2)", "Carl"] and len(labels) == 9
    assert nxt == [ChatsPage(1).pack()] and not any("Previous" in label for label, _ in labels)
    assert second["text"].splitlines()[1].startswith("9. Quiet") and len(second["text"].splitlines()) == 2
    assert [label for label, _ in buttons(second)][-1] == "◀ Previous"
    assert "Dora" not in second["text"]


async def test_opening_a_chat_shows_the_conversation_and_forged_buttons_show_nothing_of_another_associate(stack):
    shop = await open_shop(stack)
    alice, dora = await stack.person("Alice"), await stack.person("Dora")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, dora, shop.lina)
    await member_says(stack, alice, "Alice asks about gloves")
    await associate_reads(stack, shop.bob_user, "gloves")
    await member_says(stack, dora, "Dora's private note")
    await associate_reads(stack, shop.lina_user, "private note")
    alice_id, dora_id = (await membership(stack, alice)).member.id, (await membership(stack, dora)).member.id

    listing = await chats(stack, shop.bob_user)
    await press(stack, shop.bob_user, stack.associate_bot, listing, OpenChat(alice_id).pack())
    opened = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "History with Alice", after=listing["message_id"])
    hint = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Reply to one of Alice", after=listing["message_id"])
    await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], OpenChat(dora_id).pack())
    refusal = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "not one of your members", after=hint["message_id"])
    await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], ChatsPage(999_999).pack())
    far = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, listing, "No more chats")
    await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], "co:-1")
    await push_callback(stack, shop.bob_user, stack.associate_bot, listing["message_id"], "cp:x")
    await settle(stack)

    assert "gloves" in opened["text"] and refusal
    assert not buttons(far) or all("Next" not in label for label, _ in buttons(far))
    bob_texts = [m["text"] or "" for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)]
    assert not any("Dora" in t for t in bob_texts)


async def test_a_reply_to_a_member_who_blocked_the_bot_is_reported_once_per_message_without_retries(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Send me the catalogue")
    relayed = await associate_reads(stack, shop.bob_user, "catalogue")
    await stack.people.block(alice, stack.consumer_bot)

    async def blocked() -> bool:  # the block arrives as a my_chat_member update
        return not (await membership(stack, alice)).member.reachable

    await eventually(blocked, "the block is handled")
    await settle(stack)

    # Known blocked (the my_chat_member update said so): no call to Telegram at all.
    await associate_replies(stack, shop.bob_user, relayed, "Here it is: first try")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "can't receive messages")
    # The bot learns it from a 403 instead (as if that update were lost).
    state = await membership(stack, alice)
    async with stack.runtime.services.uow() as uow:
        state.member.reachable = True
        await uow.members.update(state.member)
        await uow.commit()
    await associate_replies(stack, shop.bob_user, relayed, "Here it is: second try")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "second try")
    # A later message in Bob's chat, delivered in order after any second notice would be.
    marker = await stack.people.send_text(shop.bob_user, stack.associate_bot, "/help")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "staff bot", after=marker["message_id"])
    await settle(stack)

    assert len(await undelivered_notices(stack, shop.bob_user, "first try")) == 1
    notices = await undelivered_notices(stack, shop.bob_user, "second try")
    assert notices == ["⚠️ Alice can't receive messages right now (blocked the bot). Your message was not delivered: Here it is: second try"]
    outs = [m for m in await history_of(stack, alice) if m.direction is Direction.OUT]
    async with stack.runtime.services.uow() as uow:
        rows = [await uow.outbox.get(m.relay_outbox_id) for m in outs]
    assert [r.status for r in rows] == [OutboxStatus.UNREACHABLE, OutboxStatus.UNREACHABLE]
    assert [r.attempts for r in rows] == [0, 1], "one call for the 403, none once known blocked"
    assert not any("try" in (m["text"] or "") for m in await stack.bot_messages(alice, stack.consumer_bot))


async def test_stop_ends_marketing_but_the_chat_with_the_associate_still_relays(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    confirmation = await stack.reply_to(alice, stack.consumer_bot, "/stop")
    await member_says(stack, alice, "Still there?")
    relayed = await associate_reads(stack, shop.bob_user, "Still there?")
    await associate_replies(stack, shop.bob_user, relayed, "Always!")
    await wait_for_text(stack, alice, stack.consumer_bot, "Always!")
    services = stack.runtime.services
    state = await membership(stack, alice)
    async with services.uow() as uow:
        audit = [e.action for e in await uow.audit.recent(20) if e.subject == f"member:{state.member.id}"]

    assert "no more news or offers" in confirmation["text"] and "stays open" in confirmation["text"]
    assert state.member.consent_marketing is False and state.member.consent_chat is True
    assert "consent.marketing.withdrawn" in audit


async def test_stop_speaks_chinese_to_a_chinese_member_and_politely_refuses_a_stranger(stack):
    shop = await open_shop(stack)
    mei = await stack.person("Mei", language_code="zh-hans")
    stranger = await stack.person("Sam")
    await scan(stack, mei, shop.code(shop.bob))
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "🎉 New member")
    await settle(stack)

    confirmation = await stack.reply_to(mei, stack.consumer_bot, "/stop")
    refusal = await stack.reply_to(stranger, stack.consumer_bot, "/stop")

    assert "不再收到" in confirmation["text"]
    assert refusal["text"].startswith("/stop is for members.\n\nMaison Test")
