"""The associate's workspace, as values: tags and notes on a member, the member an associate
is writing to (or about to tag or annotate), the /members filter, and the rules that
normalise what people type. Plain Python: commerce.workspace applies these rules inside a
unit of work; storage keeps the values.

Tags and notes belong to the brand, not to the associate who wrote them: they are keyed
by the member alone and stay when the member moves to another associate.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from commerce.conversations import ConversationMessage
from commerce.people import Member

TAG_LIMIT = 24  # characters of one tag
TAGS_PER_MEMBER = 12  # more would no longer fit a one-line header
NOTE_LIMIT = 1000  # characters of one note
TIER_LIMIT = 24  # characters of a tier name ("Gold", "Platinum Elite", "黑卡")
FOCUS_IDLE = timedelta(minutes=30)  # a write focus (or a pending tag/note) ends after this long unused
QUIET_DAYS_LIMIT = 3650  # quiet:N beyond ten years is a typo, not a filter


class FocusMode(StrEnum):
    WRITE = "write"  # the associate's messages that are not replies go to the member
    TAG = "tag"  # the associate's next text is a tag for the member
    NOTE = "note"  # the associate's next text is a note about the member


@dataclass(frozen=True, slots=True)
class Focus:
    """What an associate's next message that is not a reply means: one per associate."""

    associate_id: int
    member_id: int
    mode: FocusMode
    since: datetime  # last use: the focus expires FOCUS_IDLE after it

    def alive(self, now: datetime) -> bool:
        return now - self.since < FOCUS_IDLE


@dataclass(frozen=True, slots=True)
class MemberTag:
    member_id: int
    tag: str  # normalised (see normalise_tag)
    added_at: datetime
    added_by: str  # audit actor: "associate:3", "hq:1", "cli"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class MemberNote:
    member_id: int
    text: str  # as the associate wrote it (escaped when shown)
    created_at: datetime
    associate_id: int | None = None  # the author; None for notes written by HQ tools
    author: str = ""  # the author's display name when it was written
    id: int | None = None


@dataclass(frozen=True, slots=True)
class MemberFilter:
    """/members filters, all optional and combined with AND."""

    tag: str | None = None  # members with this tag
    tier: str | None = None  # members of this tier (case-insensitive)
    unread: bool = False  # members with messages nobody answered yet
    quiet_days: int | None = None  # last contact (or enrolment) more than N days ago

    def words(self) -> str:
        """The filter as the associate would type it, for the list's title."""
        parts = [f"tag:{self.tag}" if self.tag else "", f"tier:{self.tier}" if self.tier else "",
                 "unread" if self.unread else "", f"quiet:{self.quiet_days}" if self.quiet_days is not None else ""]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class MemberSummary:
    """One line of /members: a member of the associate's and where things stand."""

    member: Member
    tags: tuple[str, ...]
    unread: int  # the member's messages since the last answer (as in /chats)
    last_contact: datetime | None  # the last message either way; None before any


@dataclass(frozen=True, slots=True)
class MessageStats:
    count: int  # messages both ways, edits not counted
    last: ConversationMessage | None


# --- normalising what people type ---------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalise_tag(raw: str) -> str | None:
    """"#VIP" -> "vip". Letters of any script (so 礼品 is a tag), digits, "-" and "_";
    lower-case, at most TAG_LIMIT characters. None if nothing valid is left or anything
    else is in it: a tag is a label, and one with spaces or punctuation is a typo."""
    tag = unicodedata.normalize("NFKC", raw).strip().lstrip("#").casefold()
    if not tag or len(tag) > TAG_LIMIT:
        return None
    if not all(ch.isalnum() or ch in "-_" for ch in tag):
        return None
    return tag


def normalise_tier(raw: str) -> str | None:
    """A tier as HQ writes it ("Gold", "Platinum Elite"), spaces collapsed. None if it is
    empty, too long, or has characters other than letters, digits, spaces, "-" and "_"."""
    tier = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip()
    if not tier or len(tier) > TIER_LIMIT:
        return None
    if not all(ch.isalnum() or ch in " -_" for ch in tier):
        return None
    return tier


def normalise_note(raw: str) -> str | None:
    """A note keeps its lines; None if empty or longer than NOTE_LIMIT."""
    note = raw.strip()
    return note if note and len(note) <= NOTE_LIMIT else None


@dataclass(frozen=True, slots=True)
class BadFilter:
    """A /members word that is not a filter: the associate gets the usage."""

    word: str


def parse_filter(words: list[str]) -> MemberFilter | BadFilter:
    """`tag:vip tier:gold unread quiet:30`, in any order and case; each at most once."""
    tag = tier = None
    unread = False
    quiet: int | None = None
    seen: set[str] = set()
    for word in words:
        name, _, value = word.partition(":")
        name = name.casefold()
        if name in seen:
            return BadFilter(word)
        seen.add(name)
        if name == "tag" and value:
            tag = normalise_tag(value)
            if tag is None:
                return BadFilter(word)
        elif name == "tier" and value:
            tier = normalise_tier(value)
            if tier is None:
                return BadFilter(word)
        elif name == "unread" and not value:
            unread = True
        elif name == "quiet" and value.isascii() and value.isdigit() and 0 < int(value) <= QUIET_DAYS_LIMIT:
            quiet = int(value)
        else:
            return BadFilter(word)
    return MemberFilter(tag, tier, unread, quiet)


def filter_digest(words: str) -> str:
    """Names a saved /members filter in the paging buttons: a list made with other filters
    than the saved ones is out of date, and its buttons say so instead of paging a mix."""
    return hashlib.sha256(words.encode()).hexdigest()[:8]
