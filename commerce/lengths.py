"""Every Telegram length limit storelink relies on, in the unit Telegram counts it in.

Texts and captions are counted in UTF-16 code units on the text as shown, after the
markup is parsed: "<b>a</b> &amp;" is three units long, "😀" two, "👨‍👩‍👧" eight. Python
counts code points, so `len()` is the wrong measure for any of these; `units()` is the
right one. Callback data is counted in bytes of UTF-8, a start parameter in characters of
[A-Za-z0-9_-] (bytes and characters alike). The local Bot API emulator (bot/sandbox)
keeps its own copy of these limits on purpose: it stands for Telegram, so a wrong value
here shows up as a refusal there instead of being agreed on by both.

Plain values and functions only: rendering (bot/) and rules (commerce/) both use them.
"""

from __future__ import annotations

import unicodedata

TEXT = 4096  # sendMessage / editMessageText text, UTF-16 units after entity parsing
CAPTION = 1024  # a media caption (sendPhoto..., an album item, editMessageCaption), same unit
ANSWER_TEXT = 200  # answerCallbackQuery's text (a button's toast or alert), shown without formatting
BUTTON_TEXT = 64  # an inline button's label: undocumented; clients cut long labels anyway, we keep ours short
CALLBACK_DATA = 64  # bytes of UTF-8 in an inline button's callback_data
START_PARAMETER = 64  # a deep link's start payload, characters of [A-Za-z0-9_-]
COMMAND = 32  # a bot command's name, 1-32 of [a-z0-9_]
COMMAND_DESCRIPTION = 256  # a bot command's description in the menu, 1-256 units
COMMANDS = 100  # commands in one setMyCommands scope
MEDIA_GROUP = 10  # items in one sendMediaGroup (at least 2)

ELLIPSIS = "…"  # one UTF-16 unit: what a shortened text ends in, so the cut is visible
# How far a cut may move back to keep a character's combining marks, variation selectors,
# skin tones and ZWJ joins with it (an emoji family is up to 11 code points, a flag's tag
# sequence 7). Longer runs (stacked "Zalgo" marks) are cut inside: a code-point boundary
# is still valid text, only less pretty.
_KEEP_TOGETHER = 16
_ZWJ = "\u200d"


def units(text: str) -> int:
    """The length Telegram measures: UTF-16 code units (a character beyond U+FFFF is two).
    surrogatepass: a stray surrogate in a string still counts as the one unit it is."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` if it fits `limit` UTF-16 units, else its longest start that fits with "…"
    after it. The cut falls between code points (so never inside a surrogate pair) and,
    within reason, between grapheme clusters: we approximate the Unicode rules with the
    cases people type (combining marks, variation selectors, skin tones, ZWJ sequences,
    flags, tag sequences) rather than carry a segmentation library for them."""
    if units(text) <= limit:
        return text
    if limit < 1:
        return ""
    room, used, cut = limit - 1, 0, 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            break
        cut += 1
    return text[:_grapheme_start(text, cut)] + ELLIPSIS


def _grapheme_start(text: str, cut: int) -> int:
    """`cut`, moved back (a little at most) until it does not split a grapheme cluster."""
    for at in range(cut, max(cut - _KEEP_TOGETHER, 0) - 1, -1):
        if not _joined(text, at):
            return at  # 0 when the first character does not fit whole: just "…"
    return cut  # inside one very long cluster: a code-point boundary will do


def _joined(text: str, at: int) -> bool:
    """Whether text[at - 1] and text[at] belong to one user-perceived character."""
    if at <= 0 or at >= len(text):
        return False
    before, after = text[at - 1], text[at]
    if before == _ZWJ or _extends(after):
        return True
    if _regional(before) and _regional(after):  # flags are pairs: split only between pairs
        run = 0
        while at - 1 - run >= 0 and _regional(text[at - 1 - run]):
            run += 1
        return run % 2 == 1
    return False


def _extends(ch: str) -> bool:
    code = ord(ch)
    return (ch == _ZWJ or unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF  # variation selectors
            or 0x1F3FB <= code <= 0x1F3FF  # skin tones
            or 0xE0020 <= code <= 0xE007F)  # tag characters (subdivision flags)


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF
