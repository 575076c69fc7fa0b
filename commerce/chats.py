"""An associate's conversations: /chats (their members, unread first by latest activity),
one member's chat opened from it, and the notice when a reply could not be delivered.

"Unread" is defined simply: the member's messages after the last answer anyone gave them
(an OUT message). Looking at a chat does not mark it read; answering does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commerce.model import (
    Associate,
    AssociateStatus,
    ChatSummary,
    ConversationMessage,
    Direction,
    Member,
    OutboxMessage,
    OutboxStatus,
)
from commerce.ports import UnitOfWork
from commerce.relay import history

PAGE_SIZE = 8
MAX_PAGE = 10_000  # a forged page number beyond this is just the last empty page


@dataclass(frozen=True, slots=True)
class ChatsPage:
    page: int
    chats: Sequence[ChatSummary]
    has_more: bool


async def chats_page(uow: UnitOfWork, associate: Associate, page: int) -> ChatsPage:
    """The page of the associate's own list: the query takes the associate from the server's
    identity, never from the callback, so a page number is all a client can choose."""
    assert associate.id is not None
    page = min(max(page, 0), MAX_PAGE)
    rows = await uow.conversations.chats_of(associate.id, PAGE_SIZE + 1, offset=page * PAGE_SIZE)
    return ChatsPage(page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class OpenedChat:
    member: Member
    messages: Sequence[ConversationMessage]  # oldest first


@dataclass(frozen=True, slots=True)
class NotYours:
    """No such member, or not this associate's member now."""


async def open_chat(uow: UnitOfWork, associate: Associate, member_id: int, limit: int = 20) -> OpenedChat | NotYours:
    """Ownership is re-checked against the current link: callback data can be forged."""
    link = await uow.links.current(member_id)
    if link is None or link.associate_id != associate.id or associate.status is not AssociateStatus.ACTIVE:
        return NotYours()
    member = await uow.members.get(member_id)
    if member is None:
        return NotYours()
    return OpenedChat(member, await history(uow, member_id, limit))


@dataclass(frozen=True, slots=True)
class Undelivered:
    """Tell the associate that their message to this member did not arrive."""

    associate: Associate
    member: Member
    message: ConversationMessage
    unreachable: bool  # True: the member blocked the bot; False: Telegram refused the message


def undelivered_notice(outbox: OutboxMessage, status: OutboxStatus, message: ConversationMessage | None,
                       associate: Associate | None, member: Member | None) -> Undelivered | None:
    """Only an associate's relayed message to a member is worth a notice: the sender's other
    rows (welcomes, refusals, the notices themselves) are not the associate's words."""
    if status not in (OutboxStatus.UNREACHABLE, OutboxStatus.FAILED):
        return None
    if message is None or message.direction is not Direction.OUT or associate is None or member is None:
        return None
    if associate.telegram_user_id is None or associate.status is not AssociateStatus.ACTIVE:
        return None
    return Undelivered(associate, member, message, status is OutboxStatus.UNREACHABLE)


async def find_undelivered(uow: UnitOfWork, outbox: OutboxMessage, status: OutboxStatus) -> Undelivered | None:
    if status not in (OutboxStatus.UNREACHABLE, OutboxStatus.FAILED) or outbox.id is None:
        return None
    message = await uow.conversations.by_relay_outbox(outbox.id)
    if message is None or message.direction is not Direction.OUT:
        return None
    associate = await uow.associates.get(message.associate_id)
    member = await uow.members.get(message.member_id)
    return undelivered_notice(outbox, status, message, associate, member)
