"""Uploads, file_ids per bot, getFile and downloads."""

from __future__ import annotations

import httpx
import pytest
import telegram
from telegram import InputMediaDocument, InputMediaPhoto

from bot.sandbox import SandboxClient
from tests.sandbox.conftest import BRAND, STAFF, png


async def test_an_uploaded_photo_can_be_fetched_with_get_file_and_downloaded(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    picture = png(8, 6)

    sent = await brand.send_photo(ada["id"], picture, caption="The <i>navy</i> scarf", parse_mode="HTML")
    file = await brand.get_file(sent.photo[-1].file_id)
    downloaded = await file.download_as_bytearray()

    assert bytes(downloaded) == picture
    assert (sent.photo[-1].width, sent.photo[-1].height) == (8, 6)
    assert sent.caption == "The navy scarf" and sent.caption_entities[0].type == "italic"
    entry = (await people.transcript(ada["id"], BRAND))[-1]
    assert entry["kind"] == "photo" and entry["file"]["file_size"] == len(picture)
    assert await people.download_file(entry["file"]["file_unique_id"]) == picture


async def test_a_file_id_can_be_sent_again_by_the_bot_that_owns_it(brand: telegram.Bot, ada) -> None:
    first = await brand.send_document(ada["id"], b"size guide", filename="sizes.txt")

    again = await brand.send_document(ada["id"], first.document.file_id)

    assert again.document.file_unique_id == first.document.file_unique_id
    assert again.document.file_name == "sizes.txt"


async def test_a_file_id_of_one_bot_is_refused_for_another(
    people: SandboxClient, brand: telegram.Bot, make_bot, ada
) -> None:
    staff = await make_bot(STAFF)
    await people.send_text(ada["id"], STAFF, "/start")
    sent = await brand.send_photo(ada["id"], png())

    with pytest.raises(telegram.error.BadRequest, match="Wrong file identifier/http url specified"):
        await staff.send_photo(ada["id"], sent.photo[-1].file_id)
    with pytest.raises(telegram.error.BadRequest, match="Wrong file identifier"):
        await staff.get_file(sent.photo[-1].file_id)


async def test_a_photo_from_a_person_gets_a_file_id_of_the_receiving_bot(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    picture = png()

    await people.send_photo(ada["id"], BRAND, picture, caption="this one?")
    [update] = await brand.get_updates()
    file = await update.message.photo[-1].get_file()

    assert update.message.caption == "this one?"
    assert bytes(await file.download_as_bytearray()) == picture
    echoed = await brand.send_photo(ada["id"], update.message.photo[-1].file_id)
    assert echoed.photo[-1].file_unique_id == update.message.photo[-1].file_unique_id


async def test_voice_video_and_documents_from_people_arrive_with_their_details(
    people: SandboxClient, brand: telegram.Bot, ada
) -> None:
    await people.send_voice(ada["id"], BRAND, b"OggS voice", duration=3)
    await people.send_video(ada["id"], BRAND, b"mp4 video", duration=5)
    await people.send_document(ada["id"], BRAND, b"%PDF-1.4", "receipt.pdf", caption="my receipt")
    await people.send_location(ada["id"], BRAND, 48.8566, 2.3522)

    voice, video, document, location = (u.message for u in await brand.get_updates())

    # Durations read through to_dict(): PTB 22 warns on the attribute (it becomes a timedelta).
    assert voice.voice.to_dict()["duration"] == 3 and voice.voice.mime_type == "audio/ogg"
    assert video.video.to_dict()["duration"] == 5
    assert (document.document.file_name, document.document.mime_type) == ("receipt.pdf", "application/pdf")
    assert (location.location.latitude, location.location.longitude) == (48.8566, 2.3522)


async def test_a_media_group_arrives_as_one_album(people: SandboxClient, brand: telegram.Bot, ada) -> None:
    album = [
        InputMediaPhoto(png(), caption="front"),
        InputMediaPhoto(png(4, 4)),
        InputMediaDocument(b"care", filename="care.txt"),
    ]

    messages = await brand.send_media_group(ada["id"], album)

    assert len({m.media_group_id for m in messages}) == 1
    assert [m.caption for m in messages] == ["front", None, None]
    assert messages[2].document.file_name == "care.txt"
    kinds = [m["kind"] for m in (await people.transcript(ada["id"], BRAND))[-3:]]
    assert kinds == ["photo", "photo", "document"]


async def test_downloads_need_the_owning_bots_token(sandbox, brand: telegram.Bot, make_bot, ada) -> None:
    staff = await make_bot(STAFF)
    sent = await brand.send_document(ada["id"], b"private", filename="notes.txt")
    file = await brand.get_file(sent.document.file_id)

    async with httpx.AsyncClient() as http:
        own = await http.get(file.file_path)
        borrowed = await http.get(file.file_path.replace(brand.token, staff.token))

    assert file.file_path.startswith(f"{sandbox.file_base_url}{brand.token}/documents/")
    assert own.content == b"private"
    assert borrowed.status_code == 404
