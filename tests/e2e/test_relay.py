"""Relay, end to end: a member writes to the consumer bot, their associate reads it in the
associate bot with a header and answers by replying; the member reads the answer under
the associate's persona. Photos cross between the two bots as bytes, never as file_ids.

Given the store of the enrollment tests (Bob and Lina), members enrolled by scanning.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

import asyncio
from typing import Any

from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from commerce.people import Link, LinkReason
from tests.e2e.scenario import (
    HEADER_OF,
    STORE_NAME,
    associate_reads,
    associate_replies,
    enrol,
    history_of,
    member_says,
    membership,
    open_shop,
    png,
    settle,
    wait_for_text,
)


async def send_photo_replying(stack, user: int, bot: str, reply_to: int, data: bytes, caption: str) -> None:
    """A photo sent as a reply (the people API sends photos without reply threading)."""
    sandbox = stack.sandbox
    chat = sandbox.people.chat(user, bot)
    file = sandbox.world.files.add(data, "photo")
    sandbox.people._post(chat, kind="photo", file=file, caption=caption, caption_entities=[], reply_to=reply_to)


async def bold_spans(message: dict[str, Any], field: str = "entities") -> list[str]:
    body = message["text"] if field == "entities" else message["caption"]
    units = body.encode("utf-16-le")
    return [units[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
            for e in message[field] or [] if e["type"] == "bold"]


async def test_a_members_text_reaches_their_associate_with_a_header_and_the_reply_comes_back_under_the_persona(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    await member_says(stack, alice, "Do you have the navy scarf?")
    relayed = await associate_reads(stack, shop.bob_user, "navy scarf")
    await associate_replies(stack, shop.bob_user, relayed, "Yes, two left in the store.")
    answer = await wait_for_text(stack, alice, stack.consumer_bot, "two left")

    assert relayed["text"] == HEADER_OF.format(name="Alice") + "\nDo you have the navy scarf?"
    assert await bold_spans(relayed) == ["Alice"]
    assert answer["text"] == f"Bob · {STORE_NAME}\nYes, two left in the store."
    assert await bold_spans(answer) == [f"Bob · {STORE_NAME}"]
    await settle(stack)
    bob_chat = await stack.bot_messages(shop.bob_user, stack.associate_bot)
    assert bob_chat[-1]["message_id"] == relayed["message_id"], "no echo to the associate"
    history = await history_of(stack, alice)
    assert [(m.direction, m.kind, m.text, m.associate_id) for m in history] == [
        (Direction.IN, MessageKind.TEXT, "Do you have the navy scarf?", shop.bob.id),
        (Direction.OUT, MessageKind.TEXT, "Yes, two left in the store.", shop.bob.id),
    ]
    assert all(m.source_message_id and m.relay_outbox_id for m in history)


async def test_a_photo_travels_from_member_to_associate_and_back_as_the_same_bytes(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    mine, theirs = png("navy"), png("crimson", (5, 11))

    await stack.people.send_photo(alice, stack.consumer_bot, mine, caption="This one?")
    relayed = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: m["kind"] == "photo", 10.0)
    await settle(stack)
    await send_photo_replying(stack, shop.bob_user, stack.associate_bot, relayed["message_id"], theirs, "We have it in red too")
    answer = await stack.people.wait_for(alice, stack.consumer_bot, lambda m: m["kind"] == "photo", 10.0)

    assert await stack.people.download_file(relayed["file"]["file_unique_id"]) == mine
    assert relayed["caption"] == HEADER_OF.format(name="Alice") + "\nThis one?"
    assert await stack.people.download_file(answer["file"]["file_unique_id"]) == theirs
    assert answer["caption"] == f"Bob · {STORE_NAME}\nWe have it in red too"
    assert await bold_spans(answer, "caption_entities") == [f"Bob · {STORE_NAME}"]
    assert [(m.direction, m.kind) for m in await history_of(stack, alice)] == [
        (Direction.IN, MessageKind.PHOTO), (Direction.OUT, MessageKind.PHOTO)]


async def test_two_members_writing_at_once_each_get_the_reply_meant_for_them(stack):
    shop = await open_shop(stack)
    alice, carl = await stack.person("Alice"), await stack.person("Carl")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, carl, shop.bob)

    await asyncio.gather(member_says(stack, alice, "Alice asks: size S?"), member_says(stack, carl, "Carl asks: size XL?"))
    from_alice = await associate_reads(stack, shop.bob_user, "Alice asks")
    from_carl = await associate_reads(stack, shop.bob_user, "Carl asks")
    await asyncio.gather(associate_replies(stack, shop.bob_user, from_carl, "For Carl: XL is in."),
                         associate_replies(stack, shop.bob_user, from_alice, "For Alice: S is in."))
    await wait_for_text(stack, alice, stack.consumer_bot, "For Alice")
    await wait_for_text(stack, carl, stack.consumer_bot, "For Carl")
    await settle(stack)

    alice_texts = [m["text"] or "" for m in await stack.bot_messages(alice, stack.consumer_bot)]
    carl_texts = [m["text"] or "" for m in await stack.bot_messages(carl, stack.consumer_bot)]
    assert not any("For Carl" in t for t in alice_texts) and not any("For Alice" in t for t in carl_texts)


async def test_an_associate_never_sees_another_associates_member_and_a_forged_reply_is_refused(stack):
    shop = await open_shop(stack)
    alice, dora = await stack.person("Alice"), await stack.person("Dora")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, dora, shop.lina)

    await member_says(stack, alice, "Private question for Bob")
    relayed = await associate_reads(stack, shop.bob_user, "Private question")
    # Lina's client claims to reply to Bob's copy: the same message id, Bob's chat, Bob's text.
    forged = {
        "update_id": 900_000_001,
        "message": {
            "message_id": 90_001, "date": 1_700_000_000, "text": "Hi Alice, it's Lina!",
            "from": {"id": shop.lina_user, "is_bot": False, "first_name": "Lina"},
            "chat": {"id": shop.lina_user, "type": "private", "first_name": "Lina"},
            "reply_to_message": {
                "message_id": relayed["message_id"], "date": 1_700_000_000, "text": relayed["text"],
                "from": relayed["from"], "chat": {"id": shop.bob_user, "type": "private", "first_name": "Bob"},
            },
        },
    }
    await stack.runtime.ingress.receive(BotKind.ASSOCIATE, forged)
    refusal = await wait_for_text(stack, shop.lina_user, stack.associate_bot, "isn't from one of your members")
    await settle(stack)

    assert refusal
    lina_texts = [m["text"] or m["caption"] or "" for m in await stack.bot_messages(shop.lina_user, stack.associate_bot)]
    assert not any("Private question" in t for t in lina_texts)
    assert not any("it's Lina" in (m["text"] or "") for m in await stack.bot_messages(alice, stack.consumer_bot))
    assert [m.direction for m in await history_of(stack, alice)] == [Direction.IN]


async def test_a_reply_after_the_member_moved_to_another_associate_is_refused(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Are you open on Sunday?")
    relayed = await associate_reads(stack, shop.bob_user, "Sunday")
    state = await membership(stack, alice)
    services = stack.runtime.services
    async with services.uow() as uow:  # HQ moved Alice to Lina meanwhile
        await uow.links.end(state.current.id, services.clock.now(), LinkReason.REASSIGNED_BY_HQ)
        await uow.links.add(Link(member_id=state.member.id, associate_id=shop.lina.id, started_at=services.clock.now(),
                                 reason=LinkReason.REASSIGNED_BY_HQ))
        await uow.commit()

    await associate_replies(stack, shop.bob_user, relayed, "Yes, 10 to 22.")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "no longer one of your members")
    await member_says(stack, alice, "Hello again")
    await associate_reads(stack, shop.lina_user, "Hello again")

    assert not any("10 to 22" in (m["text"] or "") for m in await stack.bot_messages(alice, stack.consumer_bot))


async def test_a_member_without_an_associate_or_with_the_chat_paused_gets_a_polite_reply(stack):
    shop = await open_shop(stack)
    alice, carl = await stack.person("Alice"), await stack.person("Carl")
    await enrol(stack, shop, alice, shop.bob)
    await enrol(stack, shop, carl, shop.bob)
    services = stack.runtime.services
    state, carl_member = await membership(stack, alice), (await membership(stack, carl)).member
    async with services.uow() as uow:
        await uow.links.end(state.current.id, services.clock.now(), LinkReason.ENDED_BY_MEMBER)
        carl_member.consent_chat = False
        await uow.members.update(carl_member)
        await uow.commit()

    no_one = await stack.reply_to(alice, stack.consumer_bot, "Anyone there?")
    paused = await stack.reply_to(carl, stack.consumer_bot, "Hello?")
    await settle(stack)

    assert "don't have an associate" in no_one["text"]
    assert "paused" in paused["text"] and "/me" in paused["text"]
    bob_texts = [m["text"] or "" for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)]
    assert not any("Anyone there" in t or "Hello?" in t for t in bob_texts)


async def test_markup_in_names_and_messages_is_shown_as_written_both_ways(stack):
    shop = await open_shop(stack)
    user = await stack.people.create_user("<b>Al</b> & Co", username="alco", language_code="en")
    alice = user["id"]
    await enrol(stack, shop, alice, shop.bob)

    await member_says(stack, alice, "<i>tiny</i> & <a href='x'>link</a>")
    relayed = await associate_reads(stack, shop.bob_user, "tiny")
    await associate_replies(stack, shop.bob_user, relayed, "<b>sure</b> & more")
    answer = await wait_for_text(stack, alice, stack.consumer_bot, "sure")

    assert relayed["text"] == HEADER_OF.format(name="<b>Al</b> & Co") + "\n<i>tiny</i> & <a href='x'>link</a>"
    assert await bold_spans(relayed) == ["<b>Al</b> & Co"]
    assert answer["text"] == f"Bob · {STORE_NAME}\n<b>sure</b> & more"


async def test_an_associates_text_that_is_not_a_reply_gets_a_hint_and_history_lists_the_conversation(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "First question")
    relayed = await associate_reads(stack, shop.bob_user, "First question")
    await associate_replies(stack, shop.bob_user, relayed, "First answer")
    await wait_for_text(stack, alice, stack.consumer_bot, "First answer")

    hint = await stack.reply_to(shop.bob_user, stack.associate_bot, "hello?")
    listing = await stack.people.send_text(shop.bob_user, stack.associate_bot, "/history", reply_to_message_id=relayed["message_id"])
    shown = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "History with Alice", after=listing["message_id"])

    assert "Reply to a member's message" in hint["text"]
    lines = shown["text"].splitlines()
    assert lines[1].startswith("←") and lines[1].endswith("First question")
    assert lines[2].startswith("→") and lines[2].endswith("Bob: First answer")
