"""A Postbox (commerce.messages) that keeps what use cases post, as the domain values they
are, instead of rendering them to Bot API parameters as bot/interface/postbox.py does.

Everything else stays real: each post writes its outbox row through the unit of work's
own OutboxRepository, so the id a use case gets back names a row that exists, in the
same transaction (history rows, escalation notices and albums point at it), and the
album refusals said once go through the in-process Deduplicator the embedded stack uses.

The row holds no rendered call: its method says only what a renderer must decide for
the use cases to read back (an album of two or more items is one sendMediaGroup; the
rest is one message), its params name the body's type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from commerce.bots import BotKind
from commerce.messages import AlbumRelayed, Outbound, Postbox
from commerce.outbox import OutboxMessage, OutboxStatus
from commerce.ports.backends import Deduplicator
from commerce.ports.uow import UnitOfWork
from storage.backends.memory import MemoryDeduplicator

Body = TypeVar("Body")


@dataclass(frozen=True, slots=True)
class Posted:
    """One message a use case posted, and the outbox row that carries it."""

    outbox_id: int
    message: Outbound


@dataclass(frozen=True, slots=True)
class HeldAlbumItem:
    bot: BotKind
    chat_id: int
    media_group_id: str


class RecordingPostbox:
    """Postbox for one unit of work; `posted` lists every message in the order posted."""

    def __init__(self, uow: UnitOfWork, now: datetime, dedupe: Deduplicator | None = None) -> None:
        self.uow, self.now = uow, now
        self.dedupe = dedupe if dedupe is not None else MemoryDeduplicator()
        self.posted: list[Posted] = []
        self.held: list[HeldAlbumItem] = []

    async def post(self, message: Outbound) -> int:
        body = message.body
        method = "sendMediaGroup" if isinstance(body, AlbumRelayed) and len(body.items) > 1 else "sendMessage"
        row = await self.uow.outbox.add(OutboxMessage(bot=message.bot, chat_id=message.chat_id, method=method,
                                                      params={"body": type(body).__name__}, created_at=self.now,
                                                      purpose=message.purpose))
        assert row.id is not None
        self.posted.append(Posted(row.id, message))
        return row.id

    async def first_of(self, key: str, ttl: float) -> bool:
        return await self.dedupe.first_seen(key, ttl)

    def album_item_held(self, bot: BotKind, chat_id: int, media_group_id: str) -> None:
        self.held.append(HeldAlbumItem(bot, chat_id, media_group_id))

    # --- reading what was posted ------------------------------------------------------------

    def bodies(self, kind: type[Body]) -> list[Body]:
        """The posted bodies of one type, in order."""
        return [p.message.body for p in self.posted if isinstance(p.message.body, kind)]

    def only(self) -> Posted:
        """The one message posted (fails when there were none or several)."""
        assert len(self.posted) == 1, f"expected one message, got {[type(p.message.body).__name__ for p in self.posted]}"
        return self.posted[0]


async def delivered(uow: UnitOfWork, outbox_id: int, telegram_message_id: int, at: datetime) -> None:
    """What the sender records once Telegram accepted a row: the message id it became in
    its chat (a reply to that message names the row)."""
    await uow.outbox.mark(outbox_id, OutboxStatus.SENT, at, telegram_message_id=telegram_message_id)


def as_postbox(postbox: RecordingPostbox) -> Postbox:
    """A type checker checks here that RecordingPostbox is a Postbox, structurally."""
    return postbox
