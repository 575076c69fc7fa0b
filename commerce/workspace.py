"""The associate's workspace: a member's profile card, tags and notes, /members, and the
focus that lets an associate write to a member from /chats without replying.

Every use case starts from the server's identity of the associate and re-checks, against
the member's current link, that the member is theirs: button data names a member id and
a client can forge it. Decisions are taken from values (`owned`, `apply_tag`...); the async
functions load those values in the caller's transaction, change state and audit it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.workspace_values import (
    TAGS_PER_MEMBER,
    Focus,
    FocusMode,
    MemberFilter,
    MemberNote,
    MemberSummary,
    MemberTag,
    MessageStats,
    normalise_note,
    normalise_tag,
    normalise_tier,
)
from commerce.access import NotYours, own_member
from commerce.people import Associate, AuditEntry, Member, Store
from commerce.ports.uow import UnitOfWork

NOTES_ON_CARD = 5  # newest notes shown on the profile card and the tags & notes view
# Tags one /tag or /untag may name: a member's whole set and a few more (a typo, a tag the
# member lacks). Each costs statements in the command's transaction, so a command naming
# hundreds is refused before anything is read or written.
TAGS_PER_COMMAND = TAGS_PER_MEMBER + 4
PAGE_SIZE = 8  # members per /members page
MAX_PAGE = 10_000  # a forged page number beyond this is just the last empty page


def _actor(associate: Associate) -> str:
    return f"associate:{associate.id}"


# --- the profile card ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    member: Member
    store: Store | None
    enrolled_by: Associate | None  # whose code enrolled the member
    tags: Sequence[str]
    notes: Sequence[MemberNote]  # newest first
    stats: MessageStats
    last_writer: str = ""  # the associate who wrote the last message, when it was an answer


async def profile(uow: UnitOfWork, associate: Associate, member_id: int) -> Profile | NotYours:
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert member.id is not None
    store = await uow.stores.get(member.store_id) if member.store_id is not None else None
    enrolled_by = await uow.associates.get(member.source_associate_id) if member.source_associate_id is not None else None
    tags = [t.tag for t in await uow.workspace.tags_of(member.id)]
    notes = await uow.workspace.notes_of(member.id, NOTES_ON_CARD)
    stats = await uow.workspace.message_stats(member.id)
    writer = await uow.associates.get(stats.last.associate_id) if stats.last is not None else None
    return Profile(member, store, enrolled_by, tags, notes, stats, writer.display_name if writer else "")


# --- tags ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagDone:
    member: Member
    tag: str
    changed: bool  # False: the member had it already (added) or did not have it (removed)


@dataclass(frozen=True, slots=True)
class BadTag:
    """Not a tag: letters, digits, "-" or "_", at most TAG_LIMIT characters."""


@dataclass(frozen=True, slots=True)
class TooManyTags:
    """The member has TAGS_PER_MEMBER tags already."""


TagResult = TagDone | BadTag | TooManyTags | NotYours


@dataclass(frozen=True, slots=True)
class TooManyNamed:
    """A /tag or /untag naming more than TAGS_PER_COMMAND distinct tags: nothing is done."""

    count: int
    limit: int = TAGS_PER_COMMAND


def named_tags(words: str) -> list[str] | TooManyNamed:
    """The tags a /tag or /untag names, each once however it was written ("VIP", "#vip"),
    in their first spelling; too many of them is a refusal, not a long transaction."""
    first: dict[str, str] = {}
    for word in words.split():
        first.setdefault(normalise_tag(word) or word, word)
    if len(first) > TAGS_PER_COMMAND:
        return TooManyNamed(len(first))
    return list(first.values())


def apply_tag(existing: Sequence[str], raw: str) -> str | BadTag | TooManyTags | None:
    """The normalised tag to add; None if the member has it already."""
    tag = normalise_tag(raw)
    if tag is None:
        return BadTag()
    if tag in existing:
        return None
    if len(existing) >= TAGS_PER_MEMBER:
        return TooManyTags()
    return tag


async def add_tag(uow: UnitOfWork, associate: Associate, member_id: int, raw: str, now: datetime) -> TagResult:
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert member.id is not None
    existing = [t.tag for t in await uow.workspace.tags_of(member.id)]
    decision = apply_tag(existing, raw)
    if isinstance(decision, TooManyTags | BadTag):
        return decision
    if decision is None:
        return TagDone(member, normalise_tag(raw) or raw, changed=False)
    changed = await uow.workspace.add_tag(MemberTag(member.id, decision, now, _actor(associate)))
    if changed:
        await uow.audit.record(AuditEntry(at=now, actor=_actor(associate), action="member.tag.added",
                                          subject=f"member:{member.id}", details={"tag": decision}))
    return TagDone(member, decision, changed)


async def remove_tag(uow: UnitOfWork, associate: Associate, member_id: int, raw: str, now: datetime) -> TagResult:
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert member.id is not None
    tag = normalise_tag(raw)
    if tag is None:
        return BadTag()
    changed = await uow.workspace.remove_tag(member.id, tag)
    if changed:
        await uow.audit.record(AuditEntry(at=now, actor=_actor(associate), action="member.tag.removed",
                                          subject=f"member:{member.id}", details={"tag": tag}))
    return TagDone(member, tag, changed)


async def remove_tag_row(uow: UnitOfWork, associate: Associate, member_id: int, tag_id: int, now: datetime) -> TagResult:
    """A tag's remove button names its row: the row must be the member's (forged ids find nothing)."""
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert member.id is not None
    row = next((t for t in await uow.workspace.tags_of(member.id) if t.id == tag_id), None)
    if row is None:
        return TagDone(member, "", changed=False)
    return await remove_tag(uow, associate, member_id, row.tag, now)


# --- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoteAdded:
    member: Member
    note: MemberNote


@dataclass(frozen=True, slots=True)
class BadNote:
    """Empty, or longer than NOTE_LIMIT characters."""

    length: int


async def add_note(uow: UnitOfWork, associate: Associate, member_id: int, raw: str, now: datetime) -> NoteAdded | BadNote | NotYours:
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert member.id is not None
    text = normalise_note(raw)
    if text is None:
        return BadNote(len(raw.strip()))
    note = await uow.workspace.add_note(MemberNote(member.id, text, now, associate.id, associate.display_name))
    # The audit names the note, not its words: the note itself is the record.
    await uow.audit.record(AuditEntry(at=now, actor=_actor(associate), action="member.note.added",
                                      subject=f"member:{member.id}", details={"note_id": note.id, "length": len(text)}))
    return NoteAdded(member, note)


@dataclass(frozen=True, slots=True)
class TagsAndNotes:
    member: Member
    tags: Sequence[MemberTag]  # with their row ids, for the remove buttons
    notes: Sequence[MemberNote]


async def tags_and_notes(uow: UnitOfWork, associate: Associate, member_id: int) -> TagsAndNotes | NotYours:
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert member.id is not None
    tags = await uow.workspace.tags_of(member.id)
    return TagsAndNotes(member, tags, await uow.workspace.notes_of(member.id, NOTES_ON_CARD))


# --- focus: writing from /chats, and the pending tag or note ------------------------------------


async def focus_on(uow: UnitOfWork, associate: Associate, member_id: int, mode: FocusMode, now: datetime) -> Member | NotYours:
    """The associate's next messages that are not replies go to (or are about) the member."""
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    assert associate.id is not None and member.id is not None
    await uow.workspace.set_focus(Focus(associate.id, member.id, mode, now))
    return member


@dataclass(frozen=True, slots=True)
class Focused:
    """The associate's message is meant for (or about) this member, who is still theirs."""

    member: Member
    mode: FocusMode


@dataclass(frozen=True, slots=True)
class NoFocus:
    """Nothing pending: the message is neither a reply nor for a focused member."""


@dataclass(frozen=True, slots=True)
class FocusLost:
    """The focused member is no longer the associate's: the focus was cleared."""

    member: Member | None


async def current_focus(uow: UnitOfWork, associate: Associate, now: datetime) -> Focused | NoFocus | FocusLost:
    """Read the focus at each message: an expired one is cleared, and ownership is checked
    against the link now (the member may have moved since the focus was set). A live one
    is renewed, so the idle timeout counts from the associate's last message."""
    assert associate.id is not None
    focus = await uow.workspace.focus_of(associate.id)
    if focus is None:
        return NoFocus()
    if not focus.alive(now):
        await uow.workspace.clear_focus(associate.id)
        return NoFocus()
    member = await own_member(uow, associate, focus.member_id)
    if isinstance(member, NotYours):
        await uow.workspace.clear_focus(associate.id)
        return FocusLost(await uow.members.get(focus.member_id))
    await uow.workspace.set_focus(Focus(associate.id, focus.member_id, focus.mode, now))
    return Focused(member, focus.mode)


async def end_focus(uow: UnitOfWork, associate: Associate, now: datetime) -> Focused | NoFocus:
    """/done: what the associate was doing (an expired focus counts as nothing), now ended."""
    assert associate.id is not None
    focus = await uow.workspace.focus_of(associate.id)
    if focus is None:
        return NoFocus()
    await uow.workspace.clear_focus(associate.id)
    member = await uow.members.get(focus.member_id)
    return Focused(member, focus.mode) if member is not None and focus.alive(now) else NoFocus()


# --- /members --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberListPage:
    """One page of an associate's own members as the filter narrows them, and whether a
    later one exists."""

    where: MemberFilter
    page: int
    members: Sequence[MemberSummary]
    has_more: bool


async def members_page(uow: UnitOfWork, associate: Associate, where: MemberFilter, page: int, now: datetime) -> MemberListPage:
    """A page of the associate's own current members: the query takes the associate from the
    server's identity; the filter only narrows that list."""
    assert associate.id is not None
    page = min(max(page, 0), MAX_PAGE)
    rows = await uow.workspace.members_of(associate.id, where, now, PAGE_SIZE + 1, offset=page * PAGE_SIZE)
    return MemberListPage(where, page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE)


# --- HQ: tiers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadTier:
    """Letters, digits, spaces, "-" or "_", at most TIER_LIMIT characters."""


async def set_tier(uow: UnitOfWork, member: Member, raw: str | None, actor: str, now: datetime) -> Member | BadTier:
    """HQ sets (or, with None, clears) a member's tier; audited with the previous value."""
    tier = normalise_tier(raw) if raw is not None else None
    if raw is not None and tier is None:
        return BadTier()
    previous, member.tier = member.tier, tier
    await uow.members.update(member)
    await uow.audit.record(AuditEntry(at=now, actor=actor, action="member.tier.set", subject=f"member:{member.id}",
                                      details={"tier": tier, "previous": previous}))
    return member


async def header_tags(uow: UnitOfWork, member: Member, known: Sequence[str] | None = None) -> list[str]:
    """The member's tags as the header of a relayed copy shows them, as they are at this
    moment. `known`: the same tags read earlier in this transaction (with the member)."""
    if known is not None:
        return list(known)
    return [t.tag for t in await uow.workspace.tags_of(member.id)] if member.id is not None else []
