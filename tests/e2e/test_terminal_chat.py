"""The terminal chat of the demo (`storelink chat --as NAME`), driven line by line as a
person types, against the real runtime: a member sends a picture and an album, the
associate presses a button of an older message by its number, tags and answers with
/reply, the member edits a caption and shares a place and a file, and lines that cannot be done are explained with
nothing sent."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import termios
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from bot.sandbox.terminal.chat import TerminalChat
from bot.sandbox.terminal.keyboard import Keyboard
from tests.e2e.scenario import enrol, open_shop, settle, wait_for_text

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def terminal(stack, user: int, bot: str, name: str | None = None) -> AsyncIterator[TerminalChat]:
    """A terminal chat whose screen follows the chat, as `storelink chat` runs it."""
    chat = TerminalChat(stack.people, user, bot, name=name)
    watcher = asyncio.create_task(chat.watch())
    try:
        yield chat
    finally:
        watcher.cancel()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_member_and_an_associate_chat_through_the_terminal_client(stack, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # received pictures are saved under ./var/chat
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    async with terminal(stack, alice, stack.consumer_bot) as member, terminal(stack, shop.bob_user, stack.associate_bot) as bob:
        # A picture with a caption, then an album of three: one media group on Bob's side.
        await member.act("/photo Navy or beige?")
        photo = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: m["kind"] == "photo")
        assert "💬 Alice" in photo["caption"] and "Navy or beige?" in photo["caption"]
        await member.act("/album 3 Which colour suits me?")
        actions = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Actions for the album", after=photo["message_id"])
        album = [m for m in await stack.people.transcript(shop.bob_user, stack.associate_bot)
                 if m["media_group_id"] and m["message_id"] > photo["message_id"]]
        assert [m["kind"] for m in album] == ["photo"] * 3 and len({m["media_group_id"] for m in album}) == 1
        assert "Which colour suits me?" in album[0]["caption"] and actions["reply_to_message_id"] == album[0]["message_id"]
        assert len({m["file"]["file_unique_id"] for m in album}) == 3  # three different sample pictures

        # Bob presses 👤 Profile under the older photo by its number, not the latest buttons.
        await until(lambda: actions["message_id"] in bob.buttons_of)
        await bob.act(f"{photo['message_id']}.1")
        profile = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "Phone on file", after=actions["message_id"])
        await until(lambda: bob.buttons_message == profile["message_id"])
        await bob.act(f"{photo['message_id']}.2")  # the photo's 🏷 Tags & notes; the profile's [2] would be ✍️ Write
        await wait_for_text(stack, shop.bob_user, stack.associate_bot, "🏷 Tags & notes · Alice", after=profile["message_id"])
        # Commands and answers as replies to that photo.
        await bob.act(f"/reply {photo['message_id']} /tag vip")
        await wait_for_text(stack, shop.bob_user, stack.associate_bot, "#vip added", after=actions["message_id"])
        await bob.act(f"/reply {album[1]['message_id']} The navy, <definitely>")
        answer = await wait_for_text(stack, alice, stack.consumer_bot, "The navy, <definitely>")
        assert "Bob" in answer["text"]

        # Alice fixes her caption: Bob's copy follows, header kept.
        alice_photo = next(m for m in await stack.people.transcript(alice, stack.consumer_bot) if m["kind"] == "photo")
        await member.act(f"/edit {alice_photo['message_id']} Navy or cream?")
        edited = await stack.people.wait_for(
            shop.bob_user, stack.associate_bot,
            lambda m: m["message_id"] == photo["message_id"] and "Navy or cream?" in (m["caption"] or ""),
            after_message_id=photo["message_id"] - 1)
        assert "💬 Alice" in edited["caption"]

        # A place and a file.
        await member.act("/location")
        await wait_for_text(stack, shop.bob_user, stack.associate_bot, "📍 31.219700, 121.475700", after=photo["message_id"])
        lookbook = tmp_path / "lookbook.pdf"
        lookbook.write_bytes(b"%PDF-1.4 spring lookbook")
        await member.act(f"/file {lookbook} Spring lookbook")
        document = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: m["kind"] == "document")
        assert document["file"]["file_name"] == "lookbook.pdf" and "Spring lookbook" in document["caption"]

        # What the screens show: numbered messages, what a message answers, its buttons.
        await until(lambda: answer["message_id"] in member.seen and document["message_id"] in bob.seen)
        screen = capsys.readouterr().out
        assert f"#{actions['message_id']} › ↩ #{album[0]['message_id']}" in screen
        assert f"#{photo['message_id']} › [photo]" in screen and "[1] 👤 Profile   [2] 🏷 Tags & notes" in screen
        assert "↗ https://www.openstreetmap.org/" in screen  # the map link behind the location line
        assert f"#{answer['message_id']} ›" in screen and "The navy, <definitely>" in screen

        # Lines that cannot be done: explained, nothing sent.
        await settle(stack)
        before = len(await stack.people.transcript(alice, stack.consumer_bot)) + len(await stack.people.transcript(shop.bob_user, stack.associate_bot))
        for line in ("/album 1", "/album 11 too many", "/reply x hello", "/edit 2", "/photo /no/such/picture.jpg", "99.1", "7"):
            await member.act(line)
        await member.act(f"/edit {answer['message_id']} not mine")
        await bob.act("/reply 999999 hello?")
        out = capsys.readouterr().out
        for hint in ("an album has 2-10 pictures", "write the message number, then the text", "no picture at",
                     "message #99 has no buttons", "no button 7 on #", "is not one of your messages here", "(not sent:"):
            assert hint in out, hint
        assert "Traceback" not in out
        await settle(stack)
        after = len(await stack.people.transcript(alice, stack.consumer_bot)) + len(await stack.people.transcript(shop.bob_user, stack.associate_bot))
        assert after == before


async def test_files_two_people_receive_under_the_same_message_number_are_both_kept(stack, capsys, tmp_path, monkeypatch):
    """Message numbers are per chat: Bob's poster and Lina's can both be #4 of the associate
    bot. Each is saved under a name of its own, and the client says where."""
    monkeypatch.chdir(tmp_path)
    shop = await open_shop(stack)
    saved = tmp_path / "var" / "chat"
    async with terminal(stack, shop.bob_user, stack.associate_bot, "bob") as bob, \
            terminal(stack, shop.lina_user, stack.associate_bot, "lina") as lina:
        await bob.act("/qr")
        await lina.act("/qr")
        posters = [await stack.people.wait_for(user, stack.associate_bot, lambda m: m["kind"] == "photo")
                   for user in (shop.bob_user, shop.lina_user)]
        assert posters[0]["message_id"] == posters[1]["message_id"], "the case in point: the same number in two chats"
        await until(lambda: saved.is_dir() and len(list(saved.iterdir())) == 2)
        await until(lambda: all(poster["message_id"] in chat.seen for chat, poster in zip((bob, lina), posters)))

    printed = re.findall(r"saved #\d+ as (\S+)", capsys.readouterr().out)
    pictures = [await stack.people.download_file(poster["file"]["file_unique_id"]) for poster in posters]
    assert pictures[0] != pictures[1]
    assert sorted(Path(path).read_bytes() for path in printed) == sorted(pictures), "each poster kept, at the path printed"
    assert sorted(Path(path).name.split("-")[0] for path in printed) == ["bob", "lina"]


async def test_a_chat_started_again_does_not_save_its_pictures_again(stack, capsys, tmp_path, monkeypatch):
    """Every start shows the chat's history again; its pictures are on disk already."""
    monkeypatch.chdir(tmp_path)
    shop = await open_shop(stack)
    saved = tmp_path / "var" / "chat"
    async with terminal(stack, shop.bob_user, stack.associate_bot, "bob") as bob:
        await bob.act("/qr")
        poster = await stack.people.wait_for(shop.bob_user, stack.associate_bot, lambda m: m["kind"] == "photo")
        await until(lambda: saved.is_dir() and len(list(saved.iterdir())) == 1)
    first = capsys.readouterr().out
    assert f"saved #{poster['message_id']} as " in first

    printed: list[str] = []

    def said(words: str) -> bool:
        printed.append(capsys.readouterr().out)
        return words in "".join(printed)

    async with terminal(stack, shop.bob_user, stack.associate_bot, "bob"):
        await until(lambda: said(f"#{poster['message_id']} is saved as var/chat/bob-"))

    assert "saved #" not in "".join(printed)
    assert [p.name for p in saved.iterdir()] == [f"bob-{stack.associate_bot}-{poster['message_id']}.png"]


@contextmanager
def typed_on_a_terminal():
    """A pseudo-terminal as the chat's keyboard, in its usual line-edited mode."""
    typist, screen = pty.openpty()
    attributes = termios.tcgetattr(screen)
    attributes[3] &= ~termios.ECHO  # nobody reads the echo here
    termios.tcsetattr(screen, termios.TCSANOW, attributes)
    stream = open(screen, "rb", buffering=0)  # noqa: SIM115
    try:
        yield typist, Keyboard(stream)
    finally:
        stream.close()
        os.close(typist)


async def test_a_long_text_is_sent_whole_with_paste_and_never_cut(stack, capsys):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    long_text = "请问这条围巾有海军蓝色的M码吗？" * 100  # 1,600 characters, 4,800 bytes: past a terminal's line
    with typed_on_a_terminal() as (typist, keyboard):
        chat = TerminalChat(stack.people, alice, stack.consumer_bot, keyboard=keyboard)
        typing = asyncio.create_task(chat.run())
        await settle(stack)
        before = len(await stack.people.transcript(alice, stack.consumer_bot))

        os.write(typist, long_text.encode() + b"\n")  # typed as one line: the terminal keeps 4,095 bytes of it
        await until(lambda: "limit of 4095 bytes" in capsys.readouterr().out)
        await settle(stack)
        assert len(await stack.people.transcript(alice, stack.consumer_bot)) == before, "nothing was sent"

        os.write(typist, b"/paste\n")
        await until(lambda: not termios.tcgetattr(keyboard.stream.fileno())[3] & termios.ICANON)
        os.write(typist, long_text.encode() + b"\n.\n/quit\n")
        await asyncio.wait_for(typing, 10)

    relayed = await wait_for_text(stack, shop.bob_user, stack.associate_bot, long_text[-40:])
    assert long_text in relayed["text"]
    sent = [m for m in await stack.people.transcript(alice, stack.consumer_bot) if m["sender"] != "bot"]
    assert sent[-1]["text"] == long_text
