"""Stored files and the per-bot file_ids that point at them.

One upload is one file (one file_unique_id), but each bot that sees it gets its own
file_id, and a file_id is refused when another bot presents it, as on Telegram.
"""

from __future__ import annotations

import io
import itertools
import mimetypes
import secrets
from dataclasses import dataclass

from bot.sandbox.errors import WRONG_FILE, bad_request

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files


@dataclass(frozen=True)
class MediaKind:
    name: str
    folder: str
    mime_type: str
    extension: str
    id_prefix: str


MEDIA_KINDS = {
    kind.name: kind
    for kind in (
        MediaKind("photo", "photos", "image/jpeg", "jpg", "AgACAgIAAxkBAAI"),
        MediaKind("document", "documents", "application/octet-stream", "bin", "BQACAgIAAxkBAAI"),
        MediaKind("voice", "voice", "audio/ogg", "oga", "AwACAgIAAxkBAAI"),
        MediaKind("video", "videos", "video/mp4", "mp4", "BAACAgIAAxkBAAI"),
        MediaKind("audio", "music", "audio/mpeg", "mp3", "CQACAgIAAxkBAAI"),
        MediaKind("animation", "animations", "video/mp4", "mp4", "CgACAgIAAxkBAAI"),
    )
}


@dataclass
class StoredFile:
    unique_id: str
    kind: MediaKind
    data: bytes
    mime_type: str
    file_name: str | None
    file_path: str
    width: int = 0
    height: int = 0
    duration: int = 0

    @property
    def size(self) -> int:
        return len(self.data)


class FileStore:
    def __init__(self) -> None:
        self.by_unique_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._owners: dict[str, tuple[int, StoredFile]] = {}
        self._issued: dict[tuple[int, str], str] = {}
        self._numbers = itertools.count()

    def add(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        duration: int = 0,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        media = MEDIA_KINDS[kind]
        unique_id = "AQAD" + secrets.token_urlsafe(12)
        mime = mime_type or (mimetypes.guess_type(file_name)[0] if file_name else None) or media.mime_type
        if kind == "photo":
            width, height = _image_size(data) or (width, height)
        # Telegram re-encodes photos as JPEG; other files keep the extension they came with.
        named = file_name and "." in file_name and kind != "photo"
        ext = file_name.rsplit(".", 1)[-1].lower() if named else media.extension
        path = f"{media.folder}/file_{next(self._numbers)}.{ext}"
        stored = StoredFile(unique_id, media, data, mime, file_name, path, width, height, duration)
        self.by_unique_id[unique_id] = stored
        self.by_path[path] = stored
        return stored

    def file_id_for(self, bot_id: int, stored: StoredFile) -> str:
        """The file_id this bot knows the file by (the same one every time)."""
        key = (bot_id, stored.unique_id)
        file_id = self._issued.get(key)
        if file_id is None:
            file_id = stored.kind.id_prefix + secrets.token_urlsafe(40)
            self._issued[key] = file_id
            self._owners[file_id] = (bot_id, stored)
        return file_id

    def resolve(self, bot_id: int, file_id: str) -> StoredFile:
        owner = self._owners.get(file_id)
        if owner is None or owner[0] != bot_id:
            raise bad_request(WRONG_FILE)
        return owner[1]

    def visible_to(self, bot_id: int, stored: StoredFile) -> bool:
        return (bot_id, stored.unique_id) in self._issued

    def clear(self) -> None:
        self.by_unique_id.clear()
        self.by_path.clear()
        self._owners.clear()
        self._issued.clear()


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image  # imported on first photo: most runs never need it

        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:  # not an image: keep the sizes given, like a lenient client would
        return None
