"""Message text as the Bot API reads it: parse modes, trimming and length limits.

Telegram checks the length limits on the text left after the markup is parsed (in UTF-16
code units), so "<b>x</b>" is one character long. It also trims surrounding whitespace,
which is why a text of only spaces is "empty".
"""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.html_markup import parse_html
from bot.sandbox.markdown_markup import parse_markdown, parse_markdown_v2
from bot.sandbox.markup import Formatted, MarkupError, utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_PARSERS = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}


def parse(text: str | None, parse_mode: str | None, entities: list[dict] | None) -> Formatted:
    """Plain text and entities for a text or caption the way the Bot API reads it."""
    text = text or ""
    mode = (parse_mode or "").lower()
    if mode and mode not in _PARSERS:
        raise bad_request("unsupported parse_mode")
    try:
        formatted = _PARSERS[mode](text) if mode else Formatted(text, list(entities or []))
    except MarkupError as error:
        raise bad_request(f"can't parse entities: {error}") from None
    return trim(formatted)


def trim(formatted: Formatted) -> Formatted:
    """Drop surrounding whitespace and shift or clip entities to what remains."""
    stripped = formatted.text.strip()
    if stripped == formatted.text:
        return formatted
    if not stripped:
        return Formatted("")
    lead = utf16_len(formatted.text[: len(formatted.text) - len(formatted.text.lstrip())])
    end = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        stop = min(entity["offset"] + entity["length"] - lead, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return Formatted(stripped, entities)


def check_text(formatted: Formatted) -> None:
    if not formatted.text:
        raise bad_request("message text is empty")
    if formatted.length > TEXT_LIMIT:
        raise bad_request("message is too long")


def check_caption(formatted: Formatted) -> None:
    if formatted.length > CAPTION_LIMIT:
        raise bad_request("message caption is too long")


# What Telegram highlights in text a person types: commands, mentions, tags, links.
_DETECTED = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])"
    r"|(?P<mention>(?<!\w)@[A-Za-z0-9_]{4,32})\b"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
    r"|(?P<url>\bhttps?://[^\s<>\"]+)"
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    entities = []
    for match in _DETECTED.finditer(text):
        kind = match.lastgroup or "url"
        entities.append({"type": kind, "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())})
    return entities
