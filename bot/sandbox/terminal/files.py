"""Files in the terminal chat: what the bot sends is saved under var/chat/, each picture
once; what the person sends without a file of their own is a generated sample picture."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

SAVED = Path("var/chat")
_SAMPLE_COLOURS = ("#8C1D40", "#1D4E89", "#2E7D32", "#B8860B", "#5E35B1", "#00838F", "#C62828", "#455A64", "#6D4C41", "#AD1457")
_SAFE_NAME = re.compile(r"[^\w.-]")
_SAFE_SUFFIX = re.compile(r"\.\w{1,10}")


def save_received(directory: Path, person: str, bot: str, message_id: int, suffix: str, data: bytes) -> tuple[Path, bool]:
    """A received file, saved once under a name of its own, and whether it was written
    now. Message numbers are per chat, so the name says whose chat (person and bot) and,
    should that name be taken by another file (a demo started again numbers from 1), gets
    -2, -3... Nothing saved before is overwritten, and a file already saved under one of
    these names with the same bytes (the chat's history shown again at the next start)
    is not saved again."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = _SAFE_NAME.sub("_", f"{person}-{bot}-{message_id}")
    suffix = suffix if _SAFE_SUFFIX.fullmatch(suffix) else ".bin"
    for attempt in itertools.count(1):
        path = directory / (f"{stem}{suffix}" if attempt == 1 else f"{stem}-{attempt}{suffix}")
        if path.is_file() and path.read_bytes() == data:
            return path, False
        try:
            with path.open("xb") as out:  # only if nobody, this client or another, has that name yet
                out.write(data)
        except FileExistsError:
            continue
        return path, True
    raise AssertionError("unreachable")


def sample_picture(number: int) -> bytes:
    """A small JPEG that says which sample it is, so an album's order shows on the other side."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), _SAMPLE_COLOURS[(number - 1) % len(_SAMPLE_COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 307, 227), outline="white", width=4)
    draw.text((40, 100), f"Sample picture {number}", fill="white", font_size=28)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
