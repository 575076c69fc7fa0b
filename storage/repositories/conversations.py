"""The brand-owned history of every member's conversation with their associates."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from commerce.conversations import (
    ChatSummary,
    ConversationMessage,
    Direction,
    MessageKind,
)
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.conversations import ConversationMessageRow
from storage.tables.members import LinkRow, MemberRow

_EDIT = "edit"  # MessageKind.EDIT: history rows for edits of earlier messages


class SqlConversationRepository(_Repository):
    async def add(self, message: ConversationMessage) -> ConversationMessage:
        message.id = await self._insert_values(ConversationMessageRow, mapping.values(message))
        return dataclasses.replace(message)

    async def by_relay_outbox(self, outbox_id: int) -> ConversationMessage | None:
        stmt = sa.select(ConversationMessageRow).where(ConversationMessageRow.relay_outbox_id == outbox_id)
        row = await self._first(stmt.order_by(ConversationMessageRow.id))
        return mapping.conversation_message(row) if row else None

    async def original(self, direction: Direction, source_message_id: int, *, member_id: int | None = None,
                       associate_id: int | None = None) -> ConversationMessage | None:
        """The message a writer sent as source_message_id in their own chat (not an edit of it).
        Message ids are unique per chat only: the member (IN) or the associate (OUT) names the chat."""
        stmt = sa.select(ConversationMessageRow).where(
            ConversationMessageRow.direction == direction.value,
            ConversationMessageRow.source_message_id == source_message_id,
            ConversationMessageRow.kind != MessageKind.EDIT.value)
        if member_id is not None:
            stmt = stmt.where(ConversationMessageRow.member_id == member_id)
        if associate_id is not None:
            stmt = stmt.where(ConversationMessageRow.associate_id == associate_id)
        row = await self._first(stmt.order_by(ConversationMessageRow.id.desc()))
        return mapping.conversation_message(row) if row else None

    async def of_member(self, member_id: int, limit: int, before_id: int | None = None) -> Sequence[ConversationMessage]:
        """Newest first: one backward range of ix_conversation_message_member_id_id."""
        stmt = sa.select(ConversationMessageRow).where(ConversationMessageRow.member_id == member_id)
        if before_id is not None:
            stmt = stmt.where(ConversationMessageRow.id < before_id)
        stmt = stmt.order_by(ConversationMessageRow.id.desc()).limit(limit)
        return [mapping.conversation_message(row) for row in await self._all(stmt)]

    async def chats_of(self, associate_id: int, limit: int, offset: int = 0) -> Sequence[ChatSummary]:
        """One query per page. Each of the associate's current members costs a few index
        ranges of ix_conversation_message_member_id_id (the last message, the last answer,
        the messages after it); "unread" is the member's messages after the last answer."""
        cm, answers, unread_in, last = (aliased(ConversationMessageRow) for _ in range(4))
        last_id = sa.select(sa.func.max(cm.id)).where(cm.member_id == MemberRow.id).scalar_subquery()
        # correlate: nested two levels deep, it would otherwise get a FROM member of its own
        # and take the last answer to anyone, not to this member.
        last_answer = (sa.select(sa.func.max(answers.id))
                       .where(answers.member_id == MemberRow.id, answers.direction == Direction.OUT.value)
                       .correlate(MemberRow).scalar_subquery())
        unread = (sa.select(sa.func.count()).select_from(unread_in)
                  .where(unread_in.member_id == MemberRow.id, unread_in.direction == Direction.IN.value,
                         unread_in.kind != _EDIT,  # an edit is not a new message to read
                         unread_in.id > sa.func.coalesce(last_answer, 0)).scalar_subquery())
        mine = (sa.select(MemberRow.id.label("member_id"), LinkRow.started_at.label("linked_at"),
                          last_id.label("last_id"), unread.label("unread"))
                .join(LinkRow, sa.and_(LinkRow.member_id == MemberRow.id, LinkRow.ended_at.is_(None)))
                .where(LinkRow.associate_id == associate_id)).subquery()
        stmt = (sa.select(MemberRow, last, mine.c.unread)
                .join(mine, mine.c.member_id == MemberRow.id)
                .outerjoin(last, last.id == mine.c.last_id)
                .order_by(sa.func.coalesce(mine.c.last_id, 0).desc(), mine.c.linked_at.desc(), MemberRow.id.desc())
                .limit(limit).offset(offset))
        rows = (await self.session.execute(stmt.execution_options(populate_existing=True))).all()
        return [ChatSummary(mapping.member(member), int(unread or 0), mapping.conversation_message(message) if message else None)
                for member, message, unread in rows]
