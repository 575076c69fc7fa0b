"""SQL repository of the relay: the conversation history. Same rules as
storage.repositories: one AsyncSession, domain objects in and out, never a commit.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from commerce.model import ConversationMessage
from storage import mapping
from storage.repositories import _Repository
from storage.tables import ConversationMessageRow


class SqlConversationRepository(_Repository):
    async def add(self, message: ConversationMessage) -> ConversationMessage:
        row = await self._insert(mapping.conversation_row(message))
        message.id = row.id
        return mapping.conversation_message(row)

    async def by_relay_outbox(self, outbox_id: int) -> ConversationMessage | None:
        stmt = sa.select(ConversationMessageRow).where(ConversationMessageRow.relay_outbox_id == outbox_id)
        row = await self._first(stmt.order_by(ConversationMessageRow.id))
        return mapping.conversation_message(row) if row else None

    async def of_member(self, member_id: int, limit: int, before_id: int | None = None) -> Sequence[ConversationMessage]:
        """Newest first: one backward range of ix_conversation_message_member_id_id."""
        stmt = sa.select(ConversationMessageRow).where(ConversationMessageRow.member_id == member_id)
        if before_id is not None:
            stmt = stmt.where(ConversationMessageRow.id < before_id)
        stmt = stmt.order_by(ConversationMessageRow.id.desc()).limit(limit)
        return [mapping.conversation_message(row) for row in await self._all(stmt)]
