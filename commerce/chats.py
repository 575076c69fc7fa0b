"""An associate's conversations: /chats (their members, unread first by latest activity),
one member's chat opened from it, and the notice when a message of theirs, or a member's
to them, could not be delivered.

"Unread" is defined simply: the member's messages after the last answer anyone gave them
(an OUT message). Looking at a chat does not mark it read; answering does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from commerce.access import NotYours, own_member
from commerce.bots import BotKind
from commerce.conversations import ChatSummary, ConversationMessage, Direction
from commerce.messages import NotDelivered, Outbound, Postbox
from commerce.outbox import DeliveryProblem, OutboxMessage, OutboxPurpose, OutboxStatus
from commerce.people import Associate, AssociateStatus, Member
from commerce.ports.uow import UnitOfWork
from commerce.relay import history, writer_names

PAGE_SIZE = 8
MAX_PAGE = 10_000  # a forged page number beyond this is just the last empty page


@dataclass(frozen=True, slots=True)
class ChatListPage:
    """One page of an associate's own chat list, and whether a later one exists."""

    page: int
    chats: Sequence[ChatSummary]
    has_more: bool


async def chats_page(uow: UnitOfWork, associate: Associate, page: int) -> ChatListPage:
    """The page of the associate's own list: the query takes the associate from the server's
    identity, never from the callback, so a page number is all a client can choose."""
    assert associate.id is not None
    page = min(max(page, 0), MAX_PAGE)
    rows = await uow.conversations.chats_of(associate.id, PAGE_SIZE + 1, offset=page * PAGE_SIZE)
    return ChatListPage(page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class OpenedChat:
    member: Member
    messages: Sequence[ConversationMessage]  # oldest first
    names: Mapping[int, str] = field(default_factory=dict)  # who answered, by associate id


async def open_chat(uow: UnitOfWork, associate: Associate, member_id: int, limit: int = 20) -> OpenedChat | NotYours:
    """Ownership is re-checked against the current link: callback data can be forged."""
    member = await own_member(uow, associate, member_id)
    if isinstance(member, NotYours):
        return member
    messages = await history(uow, member_id, limit)
    return OpenedChat(member, messages, await writer_names(uow, messages))


@dataclass(frozen=True, slots=True)
class Undelivered:
    """Tell the writer that their message did not arrive: the associate when it was theirs
    to the member (OUT), the member when it was theirs to the associate (IN)."""

    associate: Associate
    member: Member
    message: ConversationMessage
    problem: DeliveryProblem

    @property
    def unreachable(self) -> bool:
        """The reader blocked the bot (rather than Telegram refusing the message)."""
        return self.problem is DeliveryProblem.UNREACHABLE

    @property
    def to_member(self) -> bool:
        """The member wrote it, so the member is told, in the consumer bot."""
        return self.message.direction is Direction.IN


def undelivered_notice(outbox: OutboxMessage, status: OutboxStatus, message: ConversationMessage | None,
                       associate: Associate | None, member: Member | None) -> Undelivered | None:
    """Only a relayed message is worth a notice: the sender's other rows (welcomes, refusals,
    the notices themselves) are nobody's words. Its writer is told why it did not arrive. A
    member is told only when Telegram refused the copy: when their associate blocked the
    staff bot, the store team hears of the unanswered message through the escalation, and
    the member's wait is theirs to cover."""
    if status not in (OutboxStatus.UNREACHABLE, OutboxStatus.FAILED):
        return None
    if message is None or associate is None or member is None:
        return None
    problem = DeliveryProblem.of(status, outbox.error)
    if message.direction is Direction.IN:
        if status is not OutboxStatus.FAILED or member.telegram_user_id is None or not member.reachable:
            return None
        return Undelivered(associate, member, message, problem)
    if associate.telegram_user_id is None or associate.status is not AssociateStatus.ACTIVE:
        return None
    return Undelivered(associate, member, message, problem)


async def find_undelivered(uow: UnitOfWork, outbox: OutboxMessage, status: OutboxStatus) -> Undelivered | None:
    """outbox: the row as settled (its error says why). Edits are rows of their own, with a
    history entry of their own: a refused edit is told like a refused message."""
    if status not in (OutboxStatus.UNREACHABLE, OutboxStatus.FAILED) or outbox.id is None:
        return None
    message = await uow.conversations.by_relay_outbox(outbox.id)
    if message is None:
        return None
    associate = await uow.associates.get(message.associate_id)
    member = await uow.members.get(message.member_id)
    return undelivered_notice(outbox, status, message, associate, member)


async def notify_undelivered(uow: UnitOfWork, postbox: Postbox, outbox: OutboxMessage, status: OutboxStatus,
                             default_locale: str) -> Undelivered | None:
    """A relayed message ended FAILED or UNREACHABLE: its writer hears of it, once (the
    sender settles each row once), in their own bot: the associate when it was theirs to a
    member, the member when it was theirs to the associate."""
    notice = await find_undelivered(uow, outbox, status)
    if notice is None:
        return None
    writer = notice.member if notice.to_member else notice.associate
    assert writer.telegram_user_id is not None
    bot = BotKind.CONSUMER if notice.to_member else BotKind.ASSOCIATE
    await postbox.post(Outbound(bot, writer.telegram_user_id, NotDelivered(notice, default_locale), OutboxPurpose.NOTICE))
    return notice
