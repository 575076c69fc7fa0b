"""Albums, end to end: a member's album reaches their associate as ONE album (one
sendMediaGroup, the header on the first item, every caption kept), a reply to any of its
items (or to the buttons message that follows it) reaches the member, an associate's album
reaches the member as one album under the associate's persona, and an album left in the
buffer by a process that stopped is relayed exactly once by another.

Given the store of the enrollment tests (Bob and Lina), members enrolled by scanning.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa

from bot.runtime.albums import AlbumFlusher
from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from tests.e2e.scenario import HEADER_OF, STORE_NAME, enrol, history_of, open_shop, png, settle, wait_for_text

PHOTOS = [png("navy"), png("crimson", (5, 11)), png("olive", (7, 7))]
DOCUMENTS = [b"%PDF-1.4 size guide\n%%EOF", b"%PDF-1.4 care\n%%EOF"]


async def album_arrives(stack, user: int, count: int, timeout: float = 10.0, bot: str | None = None) -> list[dict[str, Any]]:
    """The bot messages of the chat's newest album (in the associate bot unless `bot` says
    otherwise), once all `count` items are there."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    version = -1
    while True:
        page = await stack.people.watch(user, bot or stack.associate_bot, after_version=version, wait=max(deadline - loop.time(), 0))
        version = page["version"]
        grouped = [m for m in page["messages"] if m["sender"] == "bot" and m["media_group_id"]]
        if grouped:
            newest = [m for m in grouped if m["media_group_id"] == grouped[-1]["media_group_id"]]
            if len(newest) >= count:
                return newest
        if loop.time() >= deadline:
            raise TimeoutError(f"no album of {count} items arrived; the chat has {len(grouped)} grouped messages")


async def buffered(stack) -> int:
    async with stack.runtime.services.uow() as uow:
        return (await uow.session.execute(sa.text("SELECT count(*) FROM album_item"))).scalar_one()


async def wait_until_buffered(stack, count: int, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while await buffered(stack) < count:
            await stack.runtime.ingress.drain()
            await asyncio.sleep(0.02)


async def until_history_has(stack, user: int, kind: MessageKind, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not any(m.kind is kind for m in await history_of(stack, user)):
            await stack.runtime.ingress.drain()
            await asyncio.sleep(0.02)


async def test_a_members_album_reaches_the_associate_as_one_album_and_a_reply_to_its_second_item_comes_back(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    sent = await stack.people.send_album(alice, stack.consumer_bot, [
        ("photo", PHOTOS[0], "Which one? <b>not bold</b>"), ("photo", PHOTOS[1], None), ("photo", PHOTOS[2], "or the olive")])
    album = await album_arrives(stack, shop.bob_user, 3)
    await settle(stack)
    await stack.people.send_text(shop.bob_user, stack.associate_bot, "The crimson is lovely", reply_to_message_id=album[1]["message_id"])
    answer = await wait_for_text(stack, alice, stack.consumer_bot, "crimson is lovely")
    tag = await stack.people.send_text(shop.bob_user, stack.associate_bot, "/tag vip", reply_to_message_id=album[2]["message_id"])
    tagged = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: True, 10.0, after_message_id=tag["message_id"])
    await stack.people.edit_caption(alice, stack.consumer_bot, sent[1]["message_id"], "this one, in M")
    edited = await stack.people.wait_for(shop.bob_user, stack.associate_bot,
                                         lambda m: m["message_id"] == album[1]["message_id"] and "in M" in (m["caption"] or ""), 10.0)
    await settle(stack)
    follow_ups = [m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)
                  if m["reply_to_message_id"] == album[0]["message_id"]]

    assert len({m["media_group_id"] for m in album}) == 1 and [m["kind"] for m in album] == ["photo"] * 3
    assert album[0]["caption"] == HEADER_OF.format(name="Alice") + "\nWhich one? <b>not bold</b>"
    assert album[1]["caption"] is None and album[2]["caption"] == "or the olive"
    assert [await stack.people.download_file(m["file"]["file_unique_id"]) for m in album] == PHOTOS
    assert len(await stack.people.calls(bot=stack.associate_bot, method="sendMediaGroup")) == 1
    assert answer["text"] == f"Bob · {STORE_NAME}\nThe crimson is lovely"
    assert tagged["text"] == "🏷 #vip added to Alice.", "any item of an album names its member"
    # A media group cannot carry the relayed copy's buttons: they follow, replying to the album.
    assert [bool((m["reply_markup"] or {}).get("inline_keyboard")) for m in follow_ups] == [True]
    assert follow_ups[0]["text"].startswith(HEADER_OF.format(name="Alice"))
    assert edited["caption"] == "this one, in M", "the item itself is edited, without a header"
    assert album[0]["caption"].startswith(HEADER_OF.format(name="Alice")), "the first item keeps its header"
    history = await history_of(stack, alice)
    assert [(m.direction, m.kind, m.text) for m in history] == [
        (Direction.IN, MessageKind.PHOTO, "Which one? <b>not bold</b>"), (Direction.IN, MessageKind.PHOTO, None),
        (Direction.IN, MessageKind.PHOTO, "or the olive"), (Direction.OUT, MessageKind.TEXT, "The crimson is lovely"),
        (Direction.IN, MessageKind.EDIT, "this one, in M")]
    assert len({m.relay_outbox_id for m in history[:3]}) == 1 and history[0].relay_outbox_id is not None
    assert await buffered(stack) == 0


async def test_an_album_left_by_a_stopped_process_is_relayed_once_by_another(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    first = stack.runtime
    # This process records the items, then "dies" before its timers fire: it never flushes
    # on its own (a stopped flusher neither times nor sweeps, and its periodic sweep ends).
    await first.albums.stop()

    sent = await stack.people.send_album(alice, stack.consumer_bot, [("document", data, None) for data in DOCUMENTS],
                                         filenames=["size-guide.pdf", "care.pdf"])
    await wait_until_buffered(stack, 2)
    await stack.people.edit_caption(alice, stack.consumer_bot, sent[1]["message_id"], "washing <30°")
    await until_history_has(stack, alice, MessageKind.EDIT)
    second = await stack.start_another_process(album_quiet=0.2, album_sweep_every=3600.0)
    # Both processes sweep at the same moment, once the album has been quiet for 0.2 s:
    # exactly one of them relays it.
    sweepers = [AlbumFlusher(first.services, 0.2), second.albums]
    await asyncio.sleep(0.25)
    outcomes = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
    album = await album_arrives(stack, shop.bob_user, 2)
    await settle(stack)
    await second.sender_idle()

    assert sorted(outcomes) == [0, 1]
    assert [await sweeper.sweep() for sweeper in sweepers] == [0, 0], "nothing left to relay"
    assert len(await stack.people.calls(bot=stack.associate_bot, method="sendMediaGroup")) == 1
    assert [m["kind"] for m in album] == ["document", "document"]
    assert [m["file"]["file_name"] for m in album] == ["size-guide.pdf", "care.pdf"]
    assert [await stack.people.download_file(m["file"]["file_unique_id"]) for m in album] == DOCUMENTS
    assert album[0]["caption"] == HEADER_OF.format(name="Alice")
    assert album[1]["caption"] == "washing <30°", "an edit before the flush changes the album's caption"
    assert await buffered(stack) == 0


async def test_a_stopped_flusher_sweeps_nothing_and_its_sweep_loop_ends(stack):
    """A process that stops must not keep relaying albums: its database and backends are
    going away, and another process's sweep relays what it left (exactly once)."""
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    runtime = stack.runtime
    sweep_loop = next(task for task in runtime._tasks if task.get_name() == "recover-albums")
    stopped = AlbumFlusher(runtime.services, 0.0)
    await stopped.stop()
    await runtime.albums.stop()

    await stack.people.send_album(alice, stack.consumer_bot, [("document", data, None) for data in DOCUMENTS],
                                  filenames=["size-guide.pdf", "care.pdf"])
    await wait_until_buffered(stack, 2)
    await asyncio.wait({sweep_loop}, timeout=10.0)

    assert sweep_loop.done() and not sweep_loop.cancelled(), "the periodic sweep ends with the flusher"
    assert await stopped.sweep() == 0 and await runtime.albums.sweep() == 0
    assert not runtime.albums.waiting, "a stopped flusher starts no timers"
    assert await buffered(stack) == 2
    assert await AlbumFlusher(runtime.services, 0.0).sweep() == 1, "the album was there to sweep"


async def test_a_paused_member_sending_an_album_gets_one_polite_answer_and_nothing_is_held(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    async with stack.runtime.services.uow() as uow:
        member = await uow.members.by_telegram_user(stack.runtime.services.brand.id, alice)
        member.consent_chat = False
        await uow.members.update(member)
        await uow.commit()

    sent = await stack.people.send_album(alice, stack.consumer_bot, [("photo", data, None) for data in PHOTOS])
    await wait_for_text(stack, alice, stack.consumer_bot, "paused", after=sent[-1]["message_id"] - 3)
    await settle(stack)

    answers = [m for m in await stack.bot_messages(alice, stack.consumer_bot) if m["message_id"] > sent[0]["message_id"]]
    assert len(answers) == 1 and "paused" in answers[0]["text"]
    assert await buffered(stack) == 0
    assert not await stack.people.calls(bot=stack.associate_bot, method="sendMediaGroup")


async def test_an_associates_album_reaches_the_member_as_one_album_under_the_persona_and_caption_edits_follow(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await stack.people.send_text(alice, stack.consumer_bot, "Any bags in navy?")
    relayed = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "bags in navy")

    sent = await stack.people.send_album(shop.bob_user, stack.associate_bot, [
        ("photo", PHOTOS[0], "These two <i>just in</i>"), ("photo", PHOTOS[1], None)], reply_to_message_id=relayed["message_id"])
    album = await album_arrives(stack, alice, 2, bot=stack.consumer_bot)
    await settle(stack)
    await stack.people.edit_caption(shop.bob_user, stack.associate_bot, sent[1]["message_id"], "or this one, crimson")
    edited = await stack.people.wait_for(alice, stack.consumer_bot,
                                         lambda m: m["message_id"] == album[1]["message_id"] and "crimson" in (m["caption"] or ""), 10.0)
    await stack.people.send_text(alice, stack.consumer_bot, "The crimson please", reply_to_message_id=album[1]["message_id"])
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "crimson please")
    await settle(stack)

    assert len({m["media_group_id"] for m in album}) == 1 and [m["kind"] for m in album] == ["photo", "photo"]
    assert album[0]["caption"] == f"Bob · {STORE_NAME}\nThese two <i>just in</i>", "the persona heads the album, the text escaped"
    assert album[1]["caption"] is None
    assert [await stack.people.download_file(m["file"]["file_unique_id"]) for m in album] == PHOTOS[:2]
    assert len(await stack.people.calls(bot=stack.consumer_bot, method="sendMediaGroup")) == 1
    assert not [m for m in await stack.bot_messages(alice, stack.consumer_bot) if m["kind"] == "photo" and not m["media_group_id"]]
    assert edited["caption"] == "or this one, crimson", "the item itself is edited, without the persona"
    history = await history_of(stack, alice)
    assert [(m.direction, m.kind, m.text) for m in history] == [
        (Direction.IN, MessageKind.TEXT, "Any bags in navy?"), (Direction.OUT, MessageKind.PHOTO, "These two <i>just in</i>"),
        (Direction.OUT, MessageKind.PHOTO, None), (Direction.OUT, MessageKind.EDIT, "or this one, crimson"),
        (Direction.IN, MessageKind.TEXT, "The crimson please")]
    assert history[1].relay_outbox_id == history[2].relay_outbox_id is not None
    assert await buffered(stack) == 0


async def test_an_associates_album_answering_no_members_message_is_refused_once_and_never_held(stack):
    shop = await open_shop(stack)
    # Lina replies with an album to the bot's help text, which no member wrote.
    help_answer = await stack.reply_to(shop.lina_user, stack.associate_bot, "/help")
    before = len(await stack.bot_messages(shop.lina_user, stack.associate_bot))
    await stack.people.send_album(shop.lina_user, stack.associate_bot, [("photo", PHOTOS[0], "hi"), ("photo", PHOTOS[1], None)],
                                  reply_to_message_id=help_answer["message_id"])
    # Updates of a chat are handled in order and its messages delivered in order: once the
    # answer to a later /help is there, both items were handled and their answers sent.
    marker = await stack.people.send_text(shop.lina_user, stack.associate_bot, "/help")
    await wait_for_text(stack, shop.lina_user, stack.associate_bot, "staff bot", after=marker["message_id"])
    await settle(stack)
    answers = (await stack.bot_messages(shop.lina_user, stack.associate_bot))[before:-1]

    assert len(answers) == 1, [m["text"] for m in answers]
    assert await buffered(stack) == 0
    assert not await stack.people.calls(bot=stack.consumer_bot, method="sendMediaGroup")


async def test_a_reply_to_the_buttons_message_that_follows_a_members_album_reaches_the_member(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await stack.people.send_album(alice, stack.consumer_bot, [("photo", PHOTOS[0], "Which?"), ("photo", PHOTOS[1], None)])
    album = await album_arrives(stack, shop.bob_user, 2)
    await settle(stack)
    follow_up = next(m for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)
                     if m["reply_to_message_id"] == album[0]["message_id"])
    await stack.people.send_text(shop.bob_user, stack.associate_bot, "The first one", reply_to_message_id=follow_up["message_id"])
    answer = await wait_for_text(stack, alice, stack.consumer_bot, "The first one")

    assert answer["text"] == f"Bob · {STORE_NAME}\nThe first one"


async def test_an_associates_album_that_replies_to_nothing_gets_the_hint_once(stack):
    shop = await open_shop(stack)
    await settle(stack)
    before = len(await stack.bot_messages(shop.bob_user, stack.associate_bot))
    sent = await stack.people.send_album(shop.bob_user, stack.associate_bot, [
        ("photo", PHOTOS[0], "hi"), ("photo", PHOTOS[1], None), ("photo", PHOTOS[2], None)])
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Reply to a member's message", after=sent[-1]["message_id"])
    # A later /help: once its answer is there, every item was handled (in order) and its
    # answers delivered (in order); an item held back would still be in the buffer.
    marker = await stack.people.send_text(shop.bob_user, stack.associate_bot, "/help")
    await wait_for_text(stack, shop.bob_user, stack.associate_bot, "staff bot", after=marker["message_id"])
    await settle(stack)
    answers = (await stack.bot_messages(shop.bob_user, stack.associate_bot))[before:-1]

    assert [m["text"].split(",")[0] for m in answers] == ["Reply to a member's message to answer them"]
    assert await buffered(stack) == 0
