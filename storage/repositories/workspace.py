"""The associate's member workspace: tags, notes, the Write focus and /members filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from commerce.workspace_values import (
    Focus,
    FocusMode,
    MemberFilter,
    MemberNote,
    MemberSummary,
    MemberTag,
    MessageStats,
)
from commerce.conversations import Direction, MessageKind
from commerce.people import Member
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.conversations import ConversationMessageRow
from storage.tables.members import LinkRow, MemberRow
from storage.tables.workspace import (
    AssociateFocusRow,
    AssociateMembersFilterRow,
    MemberNoteRow,
    MemberTagRow,
)
from storage.types import UTCDateTime

_EDIT = MessageKind.EDIT.value  # an edit is not a new message: not counted, not "contact"


_TAGS: sa.Table = MemberTagRow.__table__  # type: ignore[attr-defined]


_TAGS_OF = sa.select(_TAGS).where(_TAGS.c.member_id == sa.bindparam("p_member_id")).order_by(_TAGS.c.tag)


class SqlWorkspaceRepository(_Repository):
    # --- tags and notes -------------------------------------------------------------------

    async def tags_of(self, member_id: int) -> Sequence[MemberTag]:
        # Read for the header of every relayed message: a prebuilt statement, plain rows.
        return [_tag(row) for row in (await self.session.execute(_TAGS_OF, {"p_member_id": member_id})).all()]

    async def add_tag(self, tag: MemberTag) -> bool:
        # ON CONFLICT DO NOTHING: a double tap (or two processes) adds the tag once.
        stmt = (self._dialect_insert(MemberTagRow)
                .values(member_id=tag.member_id, tag=tag.tag, added_at=tag.added_at, added_by=tag.added_by)
                .on_conflict_do_nothing(index_elements=["member_id", "tag"])
                .returning(MemberTagRow.id))
        return (await self.session.execute(stmt)).first() is not None

    async def remove_tag(self, member_id: int, tag: str) -> bool:
        stmt = sa.delete(MemberTagRow).where(MemberTagRow.member_id == member_id, MemberTagRow.tag == tag)
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(result.rowcount)

    async def notes_of(self, member_id: int, limit: int) -> Sequence[MemberNote]:
        stmt = (sa.select(MemberNoteRow).where(MemberNoteRow.member_id == member_id)
                .order_by(MemberNoteRow.id.desc()).limit(limit))
        return [_note(row) for row in await self._all(stmt)]

    async def add_note(self, note: MemberNote) -> MemberNote:
        row = await self._insert(MemberNoteRow(member_id=note.member_id, associate_id=note.associate_id,
                                               author=note.author, text=note.text, created_at=note.created_at))
        return _note(row)

    # --- focus and the saved filter, one row per associate ----------------------------------

    async def focus_of(self, associate_id: int) -> Focus | None:
        row = await self._get(AssociateFocusRow, associate_id)
        return Focus(row.associate_id, row.member_id, FocusMode(row.mode), row.since) if row else None

    async def set_focus(self, focus: Focus) -> None:
        values = {"member_id": focus.member_id, "mode": focus.mode.value, "since": focus.since}
        stmt = (self._dialect_insert(AssociateFocusRow).values(associate_id=focus.associate_id, **values)
                .on_conflict_do_update(index_elements=["associate_id"], set_=values))
        await self.session.execute(stmt)

    async def clear_focus(self, associate_id: int) -> None:
        stmt = sa.delete(AssociateFocusRow).where(AssociateFocusRow.associate_id == associate_id)
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def saved_filter(self, associate_id: int) -> str | None:
        row = await self._get(AssociateMembersFilterRow, associate_id)
        return row.words if row else None

    async def save_filter(self, associate_id: int, words: str, at: datetime) -> None:
        values = {"words": words, "saved_at": at}
        stmt = (self._dialect_insert(AssociateMembersFilterRow).values(associate_id=associate_id, **values)
                .on_conflict_do_update(index_elements=["associate_id"], set_=values))
        await self.session.execute(stmt)

    # --- reading members ----------------------------------------------------------------------

    async def message_stats(self, member_id: int) -> MessageStats:
        cm = ConversationMessageRow
        counted = sa.and_(cm.member_id == member_id, cm.kind != _EDIT)
        count = (await self.session.execute(sa.select(sa.func.count()).select_from(cm).where(counted))).scalar_one()
        last = await self._first(sa.select(cm).where(counted).order_by(cm.id.desc()))
        return MessageStats(int(count), mapping.conversation_message(last) if last else None)

    async def member_by_username(self, brand_id: int, username: str) -> Member | None:
        stmt = sa.select(MemberRow).where(MemberRow.brand_id == brand_id,
                                          sa.func.lower(MemberRow.username) == username.lstrip("@").lower())
        row = await self._first(stmt.order_by(MemberRow.id))
        return mapping.member(row) if row else None

    async def members_of(self, associate_id: int, where: MemberFilter, now: datetime, limit: int,
                         offset: int = 0) -> Sequence[MemberSummary]:
        """One query per page: the associate's current members (the open link), each with a
        few index ranges of ix_conversation_message_member_id_id for the last contact, the
        last answer and the unread count, and of uq_member_tag_member_id_tag for the tags."""
        cm, answers, unread_in, tags, tagged = (aliased(t) for t in (ConversationMessageRow, ConversationMessageRow,
                                                                     ConversationMessageRow, MemberTagRow, MemberTagRow))
        last_at = (sa.select(sa.func.max(cm.created_at))
                   .where(cm.member_id == MemberRow.id, cm.kind != _EDIT).scalar_subquery())
        # Nested two levels deep: without an explicit correlate, SQLAlchemy would give this
        # subquery a FROM member of its own and take the last answer to anyone.
        last_answer = (sa.select(sa.func.max(answers.id))
                       .where(answers.member_id == MemberRow.id, answers.direction == Direction.OUT.value)
                       .correlate(MemberRow).scalar_subquery())
        unread = (sa.select(sa.func.count()).select_from(unread_in)
                  .where(unread_in.member_id == MemberRow.id, unread_in.direction == Direction.IN.value,
                         unread_in.kind != _EDIT, unread_in.id > sa.func.coalesce(last_answer, 0)).scalar_subquery())
        tag_list = sa.select(self._joined(tags.tag)).where(tags.member_id == MemberRow.id).scalar_subquery()
        mine = (sa.select(MemberRow.id.label("member_id"), LinkRow.started_at.label("linked_at"),
                          sa.type_coerce(last_at, UTCDateTime).label("last_at"),
                          unread.label("unread"), tag_list.label("tags"))
                .join(LinkRow, sa.and_(LinkRow.member_id == MemberRow.id, LinkRow.ended_at.is_(None)))
                .where(LinkRow.associate_id == associate_id))
        if where.tag is not None:
            mine = mine.where(sa.exists().where(tagged.member_id == MemberRow.id, tagged.tag == where.tag))
        if where.tier is not None:
            mine = mine.where(sa.func.lower(MemberRow.tier) == where.tier.lower())
        mine_q = mine.subquery()
        stmt = sa.select(MemberRow, mine_q.c.unread, mine_q.c.last_at, mine_q.c.tags).join(mine_q, mine_q.c.member_id == MemberRow.id)
        if where.unread:
            stmt = stmt.where(mine_q.c.unread > 0)
        if where.quiet_days is not None:
            cutoff = sa.bindparam("quiet_cutoff", now - timedelta(days=where.quiet_days), type_=UTCDateTime)
            stmt = stmt.where(sa.func.coalesce(mine_q.c.last_at, MemberRow.enrolled_at) < cutoff)
        # Latest contact first, members never written to last (newest link first among them).
        stmt = (stmt.order_by(mine_q.c.last_at.is_(None), mine_q.c.last_at.desc(), mine_q.c.linked_at.desc(), MemberRow.id.desc())
                .limit(limit).offset(offset))
        rows = (await self.session.execute(stmt.execution_options(populate_existing=True))).all()
        return [MemberSummary(mapping.member(member), tuple(sorted((tag_text or "").split())), int(unread or 0),
                              _aware(last)) for member, unread, last, tag_text in rows]

    def _joined(self, column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        """The tags of a member in one string (tags never contain spaces)."""
        if self.session.bind.dialect.name == "postgresql":
            return sa.func.string_agg(column, sa.literal_column("' '"))
        return sa.func.group_concat(column, " ")


def _aware(value: object) -> datetime | None:
    """SQLite hands back max() of a UTCDateTime column as text when the type is lost."""
    if value is None or isinstance(value, datetime):
        return UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]
    return UTCDateTime().process_result_value(datetime.fromisoformat(str(value)), None)  # type: ignore[arg-type]


def _tag(row: Any) -> MemberTag:
    return MemberTag(row.member_id, row.tag, row.added_at, row.added_by, row.id)


def _note(row: MemberNoteRow) -> MemberNote:
    return MemberNote(row.member_id, row.text, row.created_at, row.associate_id, row.author, row.id)
