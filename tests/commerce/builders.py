"""Values the commerce use-case tests hand to use cases, and the transaction they run in.

    async with step(database) as (uow, postbox):
        await relay_member_message(uow, postbox, ana, text(ANA_CHAT, 11, "Hello"), brand_id, NOW)

`step` is one update's transaction: a real unit of work and a RecordingPostbox bound to
it, committed at the end like the handler's transaction would be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from commerce.access import Staff
from commerce.conversations import ConversationMessage, MessageKind
from commerce.messages import Content, Incoming
from commerce.outbox import OutboxMessage
from commerce.people import Associate, Brand, Member, Store
from commerce.ports.uow import UnitOfWork
from storage.uow import Database
from tests.commerce.postbox import RecordingPostbox
from tests.fixtures_db import T0

NOW = T0 + timedelta(hours=1)  # Monday 10:00 UTC
CLAIRE_CHAT, MARC_CHAT, ZOE_CHAT = 5_000_000_001, 5_000_000_002, 5_000_000_003
ANA_CHAT, BEN_CHAT = 7_000_000_001, 7_000_000_002


@dataclass(frozen=True, slots=True)
class People:
    """The shop's people, committed: Claire (the shop's associate) and her teammate Marc in
    Paris, both in the staff bot; Zoé, an associate of another store; Ana, Claire's member;
    Ben, Zoé's member."""

    brand: Brand
    store: Store
    other_store: Store
    claire: Associate
    marc: Associate
    zoe: Associate
    ana: Member
    ben: Member

    @property
    def claire_staff(self) -> Staff:
        return Staff(self.claire, self.store)

    @property
    def marc_staff(self) -> Staff:
        return Staff(self.marc, self.store)


@asynccontextmanager
async def step(database: Database, now: datetime = NOW) -> AsyncIterator[tuple[UnitOfWork, RecordingPostbox]]:
    """One transaction with its postbox, committed when the block ends without error."""
    async with database.uow() as uow:
        postbox = RecordingPostbox(uow, now)
        yield uow, postbox
        await uow.commit()


def text(chat_id: int, message_id: int, words: str, *, reply_to: int | None = None, locale: str = "en") -> Incoming:
    return Incoming(chat_id, message_id, Content(MessageKind.TEXT, words), locale, replied_message_id=reply_to)


def photo(chat_id: int, message_id: int, caption: str | None = None, *, album: str | None = None,
          reply_to: int | None = None, kind: MessageKind = MessageKind.PHOTO) -> Incoming:
    content = Content(kind, caption, file_id=f"file-{chat_id}-{message_id}",
                      file_name="scan.pdf" if kind is MessageKind.DOCUMENT else None,
                      mime_type="application/pdf" if kind is MessageKind.DOCUMENT else None)
    return Incoming(chat_id, message_id, content, "en", media_group_id=album, replied_message_id=reply_to)


def edited(original: Incoming, new_text: str) -> Incoming:
    """The same message, edited: its text (or caption) is new."""
    content = Content(original.content.kind, new_text, original.content.file_id, original.content.file_name,
                      original.content.mime_type)
    return Incoming(original.chat_id, original.message_id, content, original.locale, original.media_group_id,
                    original.replied_message_id)


async def history(database: Database, member: Member) -> list[ConversationMessage]:
    """The member's conversation as stored, oldest first."""
    assert member.id is not None
    async with database.uow() as uow:
        return list(reversed(await uow.conversations.of_member(member.id, 100)))


async def outbox_row(database: Database, outbox_id: int) -> OutboxMessage:
    async with database.uow() as uow:
        row = await uow.outbox.get(outbox_id)
    assert row is not None
    return row
