"""Relay of everything besides text and photos, end to end: voice notes, videos, documents
(name and type kept), stickers (described: another bot cannot resend a sticker's file_id),
locations (a map link), contacts (a card after the header), and edits both ways.

Given the store of the enrollment tests (Bob and Lina), members enrolled by scanning.
Both stacks run every test (SQLite + in-process backends, PostgreSQL + Redis).
"""

from __future__ import annotations

from typing import Any

from commerce.bots import BotKind
from commerce.conversations import Direction, MessageKind
from tests.e2e.scenario import (
    HEADER_OF,
    STORE_NAME,
    associate_reads,
    associate_replies,
    enrol,
    history_of,
    member_says,
    open_shop,
    settle,
    wait_for_edit,
    wait_for_text,
)

PERSONA = f"Bob · {STORE_NAME}"
VOICE, VIDEO, PDF = b"OggS voice bytes \x00\x01\x02", b"\x00\x00\x00\x18ftypmp42 video bytes", b"%PDF-1.4 size guide\n%%EOF"


async def arrives(stack, user: int, bot: str, kind: str, after: int = 0) -> dict[str, Any]:
    return await stack.people.wait_for(user, bot, lambda m: m["kind"] == kind and m["sender"] == "bot", 10.0,
                                       after_message_id=after)


async def bytes_of(stack, message: dict[str, Any]) -> bytes:
    return await stack.people.download_file(message["file"]["file_unique_id"])


def post_as(stack, user: int, bot: str, kind: str, *, reply_to: int | None = None, **content: Any) -> dict[str, Any]:
    """A message the people API cannot send as such (a reply with media, someone else's
    contact card), posted straight into the sandbox chat as the person's own."""
    sandbox = stack.sandbox
    chat = sandbox.people.chat(user, bot)
    return sandbox.people._post(chat, kind=kind, reply_to=reply_to, **content)


def media(stack, kind: str, data: bytes, **names: Any) -> Any:
    return stack.sandbox.world.files.add(data, kind, **names)


async def test_voice_video_and_a_document_reach_the_associate_as_the_same_bytes_with_the_documents_name(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    await stack.people.send_voice(alice, stack.consumer_bot, VOICE, caption="listen")
    voice = await arrives(stack, shop.bob_user, stack.associate_bot, "voice")
    await stack.people.send_video(alice, stack.consumer_bot, VIDEO)
    video = await arrives(stack, shop.bob_user, stack.associate_bot, "video")
    await stack.people.send_document(alice, stack.consumer_bot, PDF, "size guide.pdf", caption="<b>my</b> sizes & more")
    document = await arrives(stack, shop.bob_user, stack.associate_bot, "document")

    assert await bytes_of(stack, voice) == VOICE and voice["caption"] == HEADER_OF.format(name="Alice") + "\nlisten"
    assert await bytes_of(stack, video) == VIDEO and video["caption"] == HEADER_OF.format(name="Alice")
    assert await bytes_of(stack, document) == PDF
    assert document["file"]["file_name"] == "size guide.pdf" and document["file"]["mime_type"] == "application/pdf"
    assert document["caption"] == HEADER_OF.format(name="Alice") + "\n<b>my</b> sizes & more"
    await settle(stack)
    assert [(m.direction, m.kind) for m in await history_of(stack, alice)] == [
        (Direction.IN, MessageKind.VOICE), (Direction.IN, MessageKind.VIDEO), (Direction.IN, MessageKind.DOCUMENT)]


async def test_an_associate_answers_with_voice_video_and_a_document_and_the_member_gets_the_same_bytes(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Can you show me?")
    relayed = await associate_reads(stack, shop.bob_user, "show me")

    bot, reply = stack.associate_bot, relayed["message_id"]
    post_as(stack, shop.bob_user, bot, "voice", reply_to=reply, file=media(stack, "voice", VOICE), caption="here", caption_entities=[])
    voice = await arrives(stack, alice, stack.consumer_bot, "voice")
    post_as(stack, shop.bob_user, bot, "video", reply_to=reply, file=media(stack, "video", VIDEO), caption=None, caption_entities=[])
    video = await arrives(stack, alice, stack.consumer_bot, "video")
    post_as(stack, shop.bob_user, bot, "document", reply_to=reply, caption="catalogue", caption_entities=[],
            file=media(stack, "document", PDF, file_name="autumn.pdf", mime_type="application/pdf"))
    document = await arrives(stack, alice, stack.consumer_bot, "document")

    assert await bytes_of(stack, voice) == VOICE and voice["caption"] == f"{PERSONA}\nhere"
    assert await bytes_of(stack, video) == VIDEO and video["caption"] == PERSONA
    assert await bytes_of(stack, document) == PDF and document["file"]["file_name"] == "autumn.pdf"
    assert document["caption"] == f"{PERSONA}\ncatalogue"
    await settle(stack)
    assert [m.kind for m in await history_of(stack, alice) if m.direction is Direction.OUT] == [
        MessageKind.VOICE, MessageKind.VIDEO, MessageKind.DOCUMENT]


async def test_a_sticker_a_location_and_someone_elses_contact_reach_the_associate_once_her_phone_is_on_file(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)

    sticker = {  # the people API has no stickers: the update a client sends
        "update_id": 910_000_001,
        "message": {"message_id": 91_001, "date": 1_700_000_000,
                    "from": {"id": alice, "is_bot": False, "first_name": "Alice"},
                    "chat": {"id": alice, "type": "private", "first_name": "Alice"},
                    "sticker": {"file_id": "consumer-only-file-id", "file_unique_id": "s1", "type": "regular", "width": 512,
                                "height": 512, "is_animated": False, "is_video": False, "emoji": "😀"}},
    }
    await stack.people.send_contact(alice, stack.consumer_bot, "+8613811112222", "Alice")  # her own: the phone prompt is answered
    await wait_for_text(stack, alice, stack.consumer_bot, "Thank")
    await stack.runtime.ingress.receive(BotKind.CONSUMER, sticker)
    described = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "[sticker")
    await stack.people.send_location(alice, stack.consumer_bot, 31.2197, 121.4757)
    place = await wait_for_text(stack, shop.bob_user, stack.associate_bot, "📍")
    post_as(stack, alice, stack.consumer_bot, "contact", contact={"phone_number": "+8613800000000", "first_name": "Zoe", "last_name": "<Li>"})
    card = await arrives(stack, shop.bob_user, stack.associate_bot, "contact")
    await settle(stack)

    assert described["text"] == HEADER_OF.format(name="Alice") + "\n[sticker 😀]"
    assert place["text"] == HEADER_OF.format(name="Alice") + "\n📍 31.219700, 121.475700"
    assert any(e["type"] == "text_link" and "openstreetmap.org/?mlat=31.219700&mlon=121.475700" in e["url"]
               for e in place["entities"])
    assert card["contact"] == {"phone_number": "+8613800000000", "first_name": "Zoe", "last_name": "<Li>"}
    bob_texts = [m["text"] or "" for m in await stack.bot_messages(shop.bob_user, stack.associate_bot)]
    assert HEADER_OF.format(name="Alice") + "\n👤 shared a contact:" in bob_texts
    assert not any("8613811112222" in t for t in bob_texts), "her own number is her phone, not a message"
    history = await history_of(stack, alice)
    assert [(m.kind, m.text) for m in history] == [
        (MessageKind.STICKER, "😀"), (MessageKind.LOCATION, "31.219700,121.475700"), (MessageKind.CONTACT, "Zoe <Li>")]


async def test_an_associate_sends_a_location_and_a_contact_to_the_member(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    await member_says(stack, alice, "Where is the store?")
    relayed = await associate_reads(stack, shop.bob_user, "Where is")

    post_as(stack, shop.bob_user, stack.associate_bot, "location", reply_to=relayed["message_id"],
            location={"latitude": 31.22, "longitude": 121.47})
    place = await wait_for_text(stack, alice, stack.consumer_bot, "📍")
    post_as(stack, shop.bob_user, stack.associate_bot, "contact", reply_to=relayed["message_id"],
            contact={"phone_number": "+862100000000", "first_name": "Front desk"})
    card = await arrives(stack, alice, stack.consumer_bot, "contact")

    assert place["text"] == f"{PERSONA}\n📍 31.220000, 121.470000"
    assert card["contact"] == {"phone_number": "+862100000000", "first_name": "Front desk"}


async def test_edits_propagate_both_ways_with_the_header_kept_and_are_kept_in_history(stack):
    shop = await open_shop(stack)
    alice = await stack.person("Alice")
    await enrol(stack, shop, alice, shop.bob)
    said = await stack.people.send_text(alice, stack.consumer_bot, "Do you have it in M?")
    relayed = await associate_reads(stack, shop.bob_user, "in M?")
    answer = await associate_replies(stack, shop.bob_user, relayed, "Yes in M")
    delivered = await wait_for_text(stack, alice, stack.consumer_bot, "Yes in M")

    await stack.people.edit_text(alice, stack.consumer_bot, said["message_id"], "Do you have it in <L> & XL?")
    edited = await wait_for_edit(stack, shop.bob_user, stack.associate_bot, relayed, "XL")
    await stack.people.edit_text(shop.bob_user, stack.associate_bot, answer["message_id"], "Sorry, <b>only</b> M")
    corrected = await wait_for_edit(stack, alice, stack.consumer_bot, delivered, "only")
    await settle(stack)

    assert edited["text"] == HEADER_OF.format(name="Alice") + "\nDo you have it in <L> & XL?"
    assert corrected["text"] == f"{PERSONA}\nSorry, <b>only</b> M"
    assert [e for e in corrected["entities"] if e["type"] == "bold"] == [{"type": "bold", "offset": 0, "length": len(PERSONA)}]
    history = await history_of(stack, alice)
    assert [(m.direction, m.kind, m.text) for m in history] == [
        (Direction.IN, MessageKind.TEXT, "Do you have it in M?"),
        (Direction.OUT, MessageKind.TEXT, "Yes in M"),
        (Direction.IN, MessageKind.EDIT, "Do you have it in <L> & XL?"),
        (Direction.OUT, MessageKind.EDIT, "Sorry, <b>only</b> M"),
    ]
    bob_chat = await stack.bot_messages(shop.bob_user, stack.associate_bot)
    assert not any("XL" in (m["text"] or "") for m in bob_chat if m["message_id"] != relayed["message_id"]), "edited, not resent"
