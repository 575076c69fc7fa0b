"""Sending media (upload, file_id or HTTP URL), media groups and getFile.

PTB uploads a file as a multipart part named after the parameter ("photo"), or, inside
sendMediaGroup, as a part referenced by "attach://<name>". A file_id is accepted only
from the bot it was issued to.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

from bot.sandbox.errors import bad_request
from bot.sandbox.files import DOWNLOAD_LIMIT, StoredFile
from bot.sandbox.formatting import check_caption, parse
from bot.sandbox.methods import Call, Method
from bot.sandbox.params import Upload

_GROUP_KINDS = frozenset({"photo", "video", "document", "audio"})
_group_ids = itertools.count(13_000_000_000_000_001)


async def resolve_file(call: Call, kind: str, reference: str | None, upload: Upload | None = None) -> StoredFile:
    """The file a media parameter names: an upload, an attach:// part, a URL or a file_id."""
    p = call.params
    if upload is None and reference and reference.startswith("attach://"):
        upload = p.uploads.get(reference.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f'can\'t find attached file "{reference.removeprefix("attach://")}"')
    files = call.world.files
    sizes = {
        "duration": p.integer("duration") or 0,
        "width": p.integer("width") or 0,
        "height": p.integer("height") or 0,
    }
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        return files.add(upload.data, kind, file_name=upload.filename, mime_type=upload.content_type, **sizes)
    if not reference:
        raise bad_request(f"there is no {kind} in the request")
    if reference.startswith(("http://", "https://")):
        try:
            data = await call.fetch(reference)
        except Exception:
            raise bad_request("failed to get HTTP URL content") from None
        name = urlsplit(reference).path.rsplit("/", 1)[-1] or None
        return files.add(data, kind, file_name=name, **sizes)
    return files.resolve(call.bot.id, reference)


def _media_method(kind: str) -> Method:
    async def send_media(call: Call) -> dict[str, Any]:
        caption = call.caption()
        file = await resolve_file(call, kind, call.params.string(kind), call.params.uploads.get(kind))
        chat = call.chat()
        message = call.post(chat, kind=kind, file=file, caption=caption.text or None, caption_entities=caption.entities)
        return call.message(chat, message)

    send_media.__name__ = f"send_{kind}"
    return send_media


async def send_media_group(call: Call) -> list[dict[str, Any]]:
    items = call.params.decoded("media")
    if not isinstance(items, list) or not 2 <= len(items) <= 10:
        raise bad_request("wrong number of media in the group: send 2-10 items")
    prepared = []
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in _GROUP_KINDS:
            raise bad_request("unsupported media type in the group")
        caption = parse(item.get("caption"), item.get("parse_mode"), item.get("caption_entities"))
        check_caption(caption)
        prepared.append((kind, await resolve_file(call, kind, item.get("media")), caption))
    chat = call.chat()
    reply_to = call.reply_target(chat)
    call.admit(chat)  # an album counts once, so it is never cut in half by flood control
    group_id = str(next(_group_ids))
    messages = [
        chat.post(
            from_bot=True,
            kind=kind,
            date=call.world.now(),
            file=file,
            caption=caption.text or None,
            caption_entities=caption.entities,
            reply_to=reply_to,
            media_group_id=group_id,
        )
        for kind, file, caption in prepared
    ]
    return [call.message(chat, message) for message in messages]


async def get_file(call: Call) -> dict[str, Any]:
    file_id = call.params.string("file_id", required="invalid file_id")
    file = call.world.files.resolve(call.bot.id, file_id)
    if file.size > DOWNLOAD_LIMIT:
        raise bad_request("file is too big")
    return {"file_id": file_id, "file_unique_id": file.unique_id, "file_size": file.size, "file_path": file.file_path}


METHODS: dict[str, Method] = {
    "sendPhoto": _media_method("photo"),
    "sendDocument": _media_method("document"),
    "sendVoice": _media_method("voice"),
    "sendVideo": _media_method("video"),
    "sendAudio": _media_method("audio"),
    "sendAnimation": _media_method("animation"),
    "sendMediaGroup": send_media_group,
    "getFile": get_file,
}
