"""parse_mode=MarkdownV2 and the legacy parse_mode=Markdown.

MarkdownV2 refuses any unescaped reserved character outside code, which is the
refusal bots hit most ("Character '.' is reserved and must be escaped ..."), so this
follows Telegram's rules closely. Legacy Markdown is small: *bold* _italic_ `code`
```pre``` and [text](url), no nesting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.sandbox.markup import Formatted, MarkupError, TextBuilder, byte_offset

_RESERVED = "_*[]()~`>#+-=|{}.!"
_V2_SPECIAL = re.compile(r"[\\\n_*\[\]()~`>#+\-=|{}.!]")
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "code": "Code",
    "pre": "Pre",
}
_STARTS = {"*": ("bold", 1), "~": ("strikethrough", 1), "[": ("text_link", 1)}


@dataclass
class _Open:
    kind: str
    start: int
    index: int
    language: str = ""


def parse_markdown_v2(source: str) -> Formatted:
    out = TextBuilder()
    stack: list[_Open] = []
    quote_start: int | None = None
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        top = stack[-1] if stack else None
        if c == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.append(source[i + 1])
            i += 2
        elif top and top.kind in ("code", "pre"):
            i = _inside_code(source, i, top, stack, out)
        elif c == ">" and not stack and (i == 0 or source[i - 1] == "\n"):
            # A run of lines starting with ">" is one blockquote.
            quote_start = out.offset if quote_start is None else quote_start
            i += 1
        elif c == "\n":
            if quote_start is not None and not source.startswith(">", i + 1):
                out.add_entity("blockquote", quote_start)
                quote_start = None
            out.append(c)
            i += 1
        elif c not in _RESERVED:
            special = _V2_SPECIAL.search(source, i + 1)
            stop = special.start() if special else n
            out.append(source[i:stop])
            i = stop
        elif top and _closes(top.kind, source, i):
            stack.pop()
            i = _finish(source, i, top, out)
        else:
            i = _start(source, i, stack, out)
    if stack:
        top = stack[-1]
        raise MarkupError(
            f"Can't find end of {_ENTITY_NAMES[top.kind]} entity at byte offset {byte_offset(source, top.index)}"
        )
    if quote_start is not None:
        out.add_entity("blockquote", quote_start)
    return out.build()


def _inside_code(source: str, i: int, top: _Open, stack: list[_Open], out: TextBuilder) -> int:
    """Inside code only "`" and "\\" are special."""
    fence = "```" if top.kind == "pre" else "`"
    if not source.startswith(fence, i):
        out.append(source[i])
        return i + 1
    stack.pop()
    if top.kind == "pre" and top.language:
        out.add_entity("pre", top.start, language=top.language)
    else:
        out.add_entity(top.kind, top.start)
    return i + len(fence)


def _closes(kind: str, source: str, i: int) -> bool:
    c = source[i]
    nxt = source[i + 1 : i + 2]
    return {
        "bold": c == "*",
        "italic": c == "_" and nxt != "_",
        "underline": c == "_" and nxt == "_",
        "strikethrough": c == "~",
        "spoiler": c == "|" and nxt == "|",
        "text_link": c == "]",
        "custom_emoji": c == "]",
    }[kind]


def _start(source: str, i: int, stack: list[_Open], out: TextBuilder) -> int:
    c = source[i]
    nxt = source[i + 1 : i + 2]
    if c == "_":
        kind, width = ("underline", 2) if nxt == "_" else ("italic", 1)
    elif c == "|" and nxt == "|":
        kind, width = "spoiler", 2
    elif c == "!" and nxt == "[":
        kind, width = "custom_emoji", 2
    elif c == "`":
        kind, width = ("pre", 3) if source.startswith("```", i) else ("code", 1)
    elif c in _STARTS:
        kind, width = _STARTS[c]
    else:
        raise MarkupError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
    opened = _Open(kind, out.offset, i)
    stack.append(opened)
    i += width
    if kind == "pre":
        i = _pre_language(source, i, opened)
    return i


def _pre_language(source: str, i: int, opened: _Open) -> int:
    """```python\\n...``` names the language on the opening line, which is not content."""
    end = i
    while end < len(source) and not source[end].isspace() and source[end] != "`":
        end += 1
    if end > i and end < len(source) and source[end] != "`":
        opened.language = source[i:end]
        i = end
    if source.startswith("\r\n", i) or source.startswith("\n\r", i):
        return i + 2
    return i + 1 if source[i : i + 1] in ("\n", "\r") else i


def _finish(source: str, i: int, opened: _Open, out: TextBuilder) -> int:
    """Close an entity at its closing mark; links read their "(url)" here."""
    if opened.kind not in ("text_link", "custom_emoji"):
        out.add_entity(opened.kind, opened.start)
        return i + (2 if opened.kind in ("underline", "spoiler") else 1)
    i += 1
    if not source.startswith("(", i):
        if opened.kind == "custom_emoji":
            raise MarkupError(
                f"Custom emoji entity must contain a tg://emoji URL at byte offset {byte_offset(source, i)}"
            )
        url = source[opened.index + 1 : i - 1]
    else:
        url, i = _read_url(source, i + 1)
    if opened.kind == "custom_emoji":
        emoji_id = re.search(r"[?&]id=(\d+)", url)
        if not url.startswith("tg://emoji") or not emoji_id:
            raise MarkupError("Custom emoji URL must have an emoji identifier")
        out.add_entity("custom_emoji", opened.start, custom_emoji_id=emoji_id.group(1))
    elif url:
        out.add_entity("text_link", opened.start, url=url)
    return i


def _read_url(source: str, i: int) -> tuple[str, int]:
    begin = i
    chars = []
    while i < len(source) and source[i] != ")":
        if source[i] == "\\" and i + 1 < len(source):
            i += 1
        chars.append(source[i])
        i += 1
    if i >= len(source):
        raise MarkupError(f"Can't find end of a URL at byte offset {byte_offset(source, begin)}")
    return "".join(chars), i + 1


def parse_markdown(source: str) -> Formatted:
    """Legacy Markdown: no nesting, "\\" escapes only _ * ` [."""
    out = TextBuilder()
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "\\" and source[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.append(source[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            i += 1
            continue
        unclosed = MarkupError(f"Can't find end of the entity starting at byte offset {byte_offset(source, i)}")
        start = out.offset
        if c == "[":
            close = source.find("](", i + 1)
            url_end = source.find(")", close + 2) if close >= 0 else -1
            if url_end < 0:
                raise unclosed
            out.append(source[i + 1 : close])
            out.add_entity("text_link", start, url=source[close + 2 : url_end])
            i = url_end + 1
            continue
        fence = "```" if source.startswith("```", i) else c
        end = source.find(fence, i + len(fence))
        if end < 0:
            raise unclosed
        body = source[i + len(fence) : end]
        kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[fence]
        language = ""
        if kind == "pre" and "\n" in body and " " not in body.split("\n", 1)[0]:
            language, body = body.split("\n", 1)
        out.append(body)
        out.add_entity(kind, start, **({"language": language} if language else {}))
        i = end + len(fence)
    return out.build()
