"""People sending albums (one update per item, sharing a media_group_id, as Telegram
delivers them) and editing a caption."""

from __future__ import annotations

import pytest
import telegram

from bot.sandbox import SandboxClient
from bot.sandbox.client import SandboxError
from tests.sandbox.conftest import BRAND, png


async def test_an_album_arrives_as_one_update_per_item_with_one_media_group_id(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    sent = await people.send_album(ada["id"], BRAND, [("photo", png(), "front"), ("video", b"\x00video", None), ("photo", png(4, 4), None)])

    updates = await brand.get_updates(timeout=5)

    messages = [u.message for u in updates]
    assert [m.message_id for m in messages] == [s["message_id"] for s in sent]
    assert len({m.media_group_id for m in messages}) == 1 and messages[0].media_group_id
    assert [m.caption for m in messages] == ["front", None, None]
    assert messages[0].photo and messages[1].video and messages[2].photo
    assert [e["media_group_id"] for e in await people.transcript(ada["id"], BRAND)][-3:] == [messages[0].media_group_id] * 3
    again = await people.send_album(ada["id"], BRAND, [("document", b"a", None), ("document", b"b", None)])
    assert again[0]["media_group_id"] != messages[0].media_group_id


@pytest.mark.parametrize("items", [
    [("photo", b"one", None)],
    [("photo", b"x", None)] * 11,
    [("photo", b"x", None), ("document", b"y", None)],
])
async def test_albums_telegram_would_not_send_are_refused(people: SandboxClient, ada, items) -> None:
    with pytest.raises(SandboxError) as refused:
        await people.send_album(ada["id"], BRAND, items)
    assert refused.value.status == 400


async def test_a_person_edits_a_caption_and_the_bot_gets_an_edited_message(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    sent = await people.send_photo(ada["id"], BRAND, png(), caption="first")
    first = await brand.get_updates(timeout=5)

    await people.edit_caption(ada["id"], BRAND, sent["message_id"], "second thoughts")
    edited = await brand.get_updates(offset=first[-1].update_id + 1, timeout=5)

    assert edited[0].edited_message.message_id == sent["message_id"]
    assert edited[0].edited_message.caption == "second thoughts"
    entry = (await people.transcript(ada["id"], BRAND))[-1]
    assert entry["caption"] == "second thoughts" and entry["edits"][0]["caption"] == "first"
    with pytest.raises(SandboxError):
        await people.edit_caption(ada["id"], BRAND, 999, "nope")
