"""Album items held until their album is complete, and the albums relayed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from commerce.albums import AlbumItem, AlbumKey
from commerce.bots import BotKind
from commerce.conversations import ConversationMessage, MessageKind
from storage import mapping
from storage.repositories.base import _Repository
from storage.tables.albums import AlbumItemRow, AlbumMessageRow
from storage.tables.conversations import ConversationMessageRow


class SqlAlbumRepository(_Repository):
    async def add(self, item: AlbumItem) -> AlbumItem:
        row = await self._insert(AlbumItemRow(**mapping.values(item)))
        item.id = row.id
        return item

    async def newest(self, key: AlbumKey) -> datetime | None:
        stmt = sa.select(sa.func.max(AlbumItemRow.received_at)).where(*_of(key))
        newest = (await self.session.execute(stmt)).scalar_one_or_none()
        return _aware(newest)

    async def quiet(self, older_than: datetime, limit: int) -> Sequence[AlbumKey]:
        stmt = (sa.select(AlbumItemRow.bot, AlbumItemRow.chat_id, AlbumItemRow.media_group_id)
                .group_by(AlbumItemRow.bot, AlbumItemRow.chat_id, AlbumItemRow.media_group_id)
                .having(sa.func.max(AlbumItemRow.received_at) < older_than)
                .limit(limit))
        return [AlbumKey(BotKind(bot), chat_id, group) for bot, chat_id, group in (await self.session.execute(stmt)).all()]

    async def recaption(self, bot: BotKind, chat_id: int, source_message_id: int, caption: str | None) -> bool:
        stmt = (sa.update(AlbumItemRow).values(caption=caption)
                .where(AlbumItemRow.bot == bot.value, AlbumItemRow.chat_id == chat_id,
                       AlbumItemRow.source_message_id == source_message_id))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim(self, key: AlbumKey) -> Sequence[AlbumItem]:
        """DELETE ... RETURNING: the rows a concurrent claim deleted first are not returned
        here (PostgreSQL re-checks them after the other commits; SQLite writes one at a time)."""
        stmt = sa.delete(AlbumItemRow).where(*_of(key)).returning(*AlbumItemRow.__table__.columns)
        rows = (await self.session.execute(stmt, execution_options={"synchronize_session": False})).mappings().all()
        items = [_item(row) for row in rows]
        return sorted(items, key=lambda item: item.source_message_id)

    async def history(self, conversation_message_ids: Sequence[int]) -> Sequence[ConversationMessage]:
        stmt = (sa.select(ConversationMessageRow).where(ConversationMessageRow.id.in_(list(conversation_message_ids)))
                .order_by(ConversationMessageRow.id))
        return [mapping.conversation_message(row) for row in await self._all(stmt)]

    async def attach_history(self, conversation_message_ids: Sequence[int], outbox_id: int) -> None:
        stmt = (sa.update(ConversationMessageRow).where(ConversationMessageRow.id.in_(list(conversation_message_ids)))
                .values(relay_outbox_id=outbox_id))
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def remember_delivered(self, bot: BotKind, chat_id: int, outbox_id: int, message_ids: Sequence[int]) -> None:
        for position, message_id in enumerate(message_ids):
            self.session.add(AlbumMessageRow(bot=bot.value, chat_id=chat_id, telegram_message_id=message_id,
                                             outbox_id=outbox_id, position=position))
        await self.session.flush()

    async def outbox_of_message(self, bot: BotKind, chat_id: int, telegram_message_id: int) -> int | None:
        stmt = sa.select(AlbumMessageRow.outbox_id).where(
            AlbumMessageRow.bot == bot.value, AlbumMessageRow.chat_id == chat_id,
            AlbumMessageRow.telegram_message_id == telegram_message_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def message_at(self, outbox_id: int, position: int) -> int | None:
        stmt = sa.select(AlbumMessageRow.telegram_message_id).where(
            AlbumMessageRow.outbox_id == outbox_id, AlbumMessageRow.position == position)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def sources_of(self, outbox_id: int) -> list[int]:
        stmt = (sa.select(ConversationMessageRow.source_message_id)
                .where(ConversationMessageRow.relay_outbox_id == outbox_id, ConversationMessageRow.kind != MessageKind.EDIT.value)
                .order_by(ConversationMessageRow.source_message_id))
        return [source for source in (await self.session.execute(stmt)).scalars().all() if source is not None]


def _of(key: AlbumKey) -> tuple[sa.ColumnElement[bool], ...]:
    return (AlbumItemRow.bot == key.bot.value, AlbumItemRow.chat_id == key.chat_id,
            AlbumItemRow.media_group_id == key.media_group_id)


def _item(row: sa.RowMapping) -> AlbumItem:
    values = dict(row)
    values["bot"], values["kind"] = BotKind(values["bot"]), MessageKind(values["kind"])
    values["received_at"] = _aware(values["received_at"])
    return AlbumItem(**values)


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate or RETURNING row read as naive UTC on SQLite is made aware."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
