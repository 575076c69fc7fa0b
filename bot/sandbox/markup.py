"""Building blocks for markup parsers: text with UTF-16 offsets and its entities.

Telegram measures text and entity offsets in UTF-16 code units, so every parser builds
its plain text through TextBuilder, which keeps that count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Formatted:
    """Plain text plus the entities Telegram reports for it."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


class TextBuilder:
    """Collects plain text while parsing markup and tracks UTF-16 offsets."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def append(self, piece: str) -> None:
        if piece:
            self._parts.append(piece)
            self.offset += utf16_len(piece)

    def add_entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start, **extra})

    def build(self) -> Formatted:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return Formatted("".join(self._parts), entities)


class MarkupError(Exception):
    """Markup Telegram would refuse; the message becomes "can't parse entities: ..."."""


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))
