"""parse_mode=HTML, with the refusals Telegram gives for markup it cannot read.

Telegram's parser is strict where people trip most: a bare "<" opens a tag, tags it does
not know are refused, end tags must match. It is lenient about "&": only &lt; &gt; &amp;
&quot; and numeric references are decoded, anything else stays literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.sandbox.markup import Formatted, MarkupError, TextBuilder, byte_offset

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,4});")
_SPECIAL = re.compile(r"[<&]")


@dataclass
class _OpenTag:
    tag: str
    start: int
    attrs: dict[str, str] = field(default_factory=dict)


def parse_html(source: str) -> Formatted:
    out = TextBuilder()
    stack: list[_OpenTag] = []
    i, n = 0, len(source)
    while i < n:
        special = _SPECIAL.search(source, i)
        stop = special.start() if special else n
        if stop > i:
            out.append(source[i:stop])
            i = stop
        elif source[i] == "&":
            text, i = _char_ref(source, i)
            out.append(text)
        elif source.startswith("</", i):
            i = _close_tag(source, i, stack, out)
        else:
            i = _open_tag(source, i, stack, out)
    if stack:
        raise MarkupError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.build()


def _char_ref(source: str, i: int) -> tuple[str, int]:
    match = _CHAR_REF.match(source, i)
    if match:
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if 0 < code <= 0x10FFFF:
                return chr(code), match.end()
        elif name.lower() in _NAMED_REFS:
            return _NAMED_REFS[name.lower()], match.end()
    return "&", i + 1


def _decode(value: str) -> str:
    parts, i = [], 0
    while (amp := value.find("&", i)) >= 0:
        parts.append(value[i:amp])
        text, i = _char_ref(value, amp)
        parts.append(text)
    parts.append(value[i:])
    return "".join(parts)


def _open_tag(source: str, begin: int, stack: list[_OpenTag], out: TextBuilder) -> int:
    n = len(source)
    i = begin + 1
    while i < n and not source[i].isspace() and source[i] != ">":
        i += 1
    if i >= n:
        raise MarkupError(f"Unclosed start tag at byte offset {byte_offset(source, begin)}")
    tag = source[begin + 1 : i].lower()
    if tag not in _TAG_ENTITY:
        raise MarkupError(f'Unsupported start tag "{tag}" at byte offset {byte_offset(source, begin)}')
    attrs, i = _attributes(source, i, begin)
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise MarkupError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(source, begin)}')
    if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise MarkupError(f"Invalid custom emoji identifier specified at byte offset {byte_offset(source, begin)}")
    stack.append(_OpenTag(tag, out.offset, attrs))
    return i


def _attributes(source: str, i: int, begin: int) -> tuple[dict[str, str], int]:
    """Read `name="value"` pairs up to the closing ">"; returns them and the index after it."""
    n = len(source)
    attrs: dict[str, str] = {}
    unclosed = MarkupError(f"Unclosed start tag at byte offset {byte_offset(source, begin)}")
    while True:
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed
        if source[i] == ">":
            return attrs, i + 1
        start = i
        while i < n and (source[i].isalnum() or source[i] in "-_"):
            i += 1
        name = source[start:i].lower()
        if not name:
            raise MarkupError(f"Empty attribute name in the tag at byte offset {byte_offset(source, begin)}")
        while i < n and source[i].isspace():
            i += 1
        if i >= n or source[i] != "=":
            attrs[name] = ""
            continue
        i += 1
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise unclosed
        if source[i] in "\"'":
            end = source.find(source[i], i + 1)
            if end < 0:
                raise unclosed
            value, i = source[i + 1 : end], end + 1
        else:
            start = i
            while i < n and not source[i].isspace() and source[i] != ">":
                i += 1
            value = source[start:i]
        attrs[name] = _decode(value)


def _close_tag(source: str, begin: int, stack: list[_OpenTag], out: TextBuilder) -> int:
    if not stack:
        raise MarkupError(f"Unexpected end tag at byte offset {byte_offset(source, begin)}")
    n = len(source)
    i = begin + 2
    while i < n and not source[i].isspace() and source[i] != ">":
        i += 1
    tag = source[begin + 2 : i].lower()
    while i < n and source[i].isspace():
        i += 1
    if i >= n or source[i] != ">":
        raise MarkupError(f"Unclosed end tag at byte offset {byte_offset(source, begin)}")
    opened = stack[-1]
    if tag and tag != opened.tag:
        raise MarkupError(
            f"Unmatched end tag at byte offset {byte_offset(source, begin)}, "
            f'expected "</{opened.tag}>", found "</{tag}>"'
        )
    stack.pop()
    _emit(opened, stack, out)
    return i + 1


def _emit(opened: _OpenTag, stack: list[_OpenTag], out: TextBuilder) -> None:
    kind = _TAG_ENTITY[opened.tag]
    attrs = opened.attrs
    if kind == "text_link":
        if attrs.get("href"):
            out.add_entity("text_link", opened.start, url=attrs["href"])
    elif kind == "code" and stack and stack[-1].tag == "pre":
        # <pre><code class="language-x"> is one pre entity carrying the language.
        language = attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language.removeprefix("language-")
    elif kind == "pre" and attrs.get("language"):
        out.add_entity("pre", opened.start, language=attrs["language"])
    elif kind == "blockquote" and "expandable" in attrs:
        out.add_entity("expandable_blockquote", opened.start)
    elif kind == "custom_emoji":
        out.add_entity("custom_emoji", opened.start, custom_emoji_id=attrs["emoji-id"])
    else:
        out.add_entity(kind, opened.start)
