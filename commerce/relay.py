"""Relay: a member's messages reach their associate, the associate's replies reach the member.

Routing is decided from values (`route_inbound`, `check_reply`); the async functions load
those values in the caller's transaction and record the brand-owned history. The shell
renders the relayed message, writes it to the outbox and passes the outbox row id here,
so the message, its copy for the other side and the inbound update commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.access import owns
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.identity import Identity
from commerce.messages import History
from commerce.people import Associate, Link, Member, Store
from commerce.ports.uow import UnitOfWork

HISTORY_SIZE = 20  # messages of a member's conversation shown at once


@dataclass(frozen=True, slots=True)
class Forward:
    """Relay the member's message to their associate."""

    member: Member
    associate: Associate
    store: Store


@dataclass(frozen=True, slots=True)
class NoAssociate:
    """The member has no associate who can answer (never linked, stopped, or deactivated)."""

    member: Member


@dataclass(frozen=True, slots=True)
class ChatPaused:
    """The member paused the chat with their associate (consent_chat off)."""

    member: Member


InboundRoute = Forward | NoAssociate | ChatPaused


def route_inbound(member: Member, link: Link | None, associate: Associate | None, store: Store | None) -> InboundRoute:
    if not member.consent_chat:
        return ChatPaused(member)
    if associate is None or store is None or not owns(associate, link) or associate.telegram_user_id is None:
        return NoAssociate(member)
    return Forward(member, associate, store)


async def route_member_message(uow: UnitOfWork, member: Member, known: Identity | None = None) -> InboundRoute:
    """known: the member's identity as read earlier in this transaction (identify reads
    the link, associate and store with the member); without it they are read here."""
    assert member.id is not None
    if known is not None and known.member is not None and known.member.id == member.id:
        return route_inbound(member, known.link, known.associate, known.store)
    link = await uow.links.current(member.id)
    associate = await uow.associates.get(link.associate_id) if link else None
    store = await uow.stores.get(associate.store_id) if associate else None
    return route_inbound(member, link, associate, store)


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """The associate's reply goes to this member, who is theirs now."""

    member: Member
    associate: Associate
    store: Store
    relayed: ConversationMessage | None  # the member's message being answered; None when writing from /chats


@dataclass(frozen=True, slots=True)
class NotRelayed:
    """The replied-to message is not a member's message relayed to this associate."""


@dataclass(frozen=True, slots=True)
class NotYourMember:
    """The member is not this associate's now. `was_yours`: the message was relayed to them,
    so the member has moved on since; otherwise it was never theirs to answer."""

    was_yours: bool = True


@dataclass(frozen=True, slots=True)
class MemberPaused:
    """The member paused the chat: the associate cannot write to them."""

    member: Member


ReplyRoute = ReplyTo | NotRelayed | NotYourMember | MemberPaused


def check_reply(associate: Associate, store: Store, relayed: ConversationMessage | None, member: Member | None, link: Link | None) -> ReplyRoute:
    """Ownership is decided here, on the server, from the current link: a client can forge
    the replied-to message id, never the link."""
    if relayed is None or relayed.direction is not Direction.IN or member is None:
        return NotRelayed()
    if not owns(associate, link):
        return NotYourMember(was_yours=relayed.associate_id == associate.id)
    if not member.consent_chat:
        return MemberPaused(member)
    return ReplyTo(member, associate, store, relayed)


async def route_associate_reply(uow: UnitOfWork, associate: Associate, store: Store, relayed_outbox_id: int | None) -> ReplyRoute:
    """relayed_outbox_id: the outbox row the replied-to message was delivered from, if any.
    The caller found it in the associate's own chat, so it is never another chat's row."""
    relayed = await uow.conversations.by_relay_outbox(relayed_outbox_id) if relayed_outbox_id is not None else None
    member = await uow.members.get(relayed.member_id) if relayed else None
    link = await uow.links.current(member.id) if member and member.id is not None else None
    return check_reply(associate, store, relayed, member, link)


async def record_message(uow: UnitOfWork, *, member: Member, associate: Associate, direction: Direction, kind: MessageKind,
                         text: str | None, source_message_id: int | None, relay_outbox_id: int | None, now: datetime) -> ConversationMessage:
    """Store one message of the conversation (the brand's history)."""
    assert member.id is not None and associate.id is not None
    return await uow.conversations.add(ConversationMessage(
        member_id=member.id, associate_id=associate.id, direction=direction, kind=kind, created_at=now,
        text=text, source_message_id=source_message_id, relay_outbox_id=relay_outbox_id,
    ))


async def history(uow: UnitOfWork, member_id: int, limit: int = 20) -> Sequence[ConversationMessage]:
    """The member's last messages, oldest first (as a chat reads)."""
    return list(reversed(await uow.conversations.of_member(member_id, limit)))


async def writer_names(uow: UnitOfWork, messages: Sequence[ConversationMessage]) -> dict[int, str]:
    """Who answered each message, by associate id ("?" for one who is gone)."""
    names = {}
    for associate_id in {m.associate_id for m in messages}:
        writer = await uow.associates.get(associate_id)
        names[associate_id] = writer.display_name if writer else "?"
    return names


async def member_history(uow: UnitOfWork, member: Member, locale: str) -> History:
    """The member's latest messages both ways; the caller has checked who may read them."""
    assert member.id is not None
    messages = await history(uow, member.id, HISTORY_SIZE)
    return History(locale, member, messages, await writer_names(uow, messages))


# --- edits ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditCopy:
    """Edit the relayed copy of `original` (delivered by outbox row `original.relay_outbox_id`)."""

    original: ConversationMessage
    member: Member
    associate: Associate  # the associate of the conversation when the original was written
    store: Store


async def route_member_edit(uow: UnitOfWork, member: Member, source_message_id: int) -> EditCopy | None:
    """A member edited a message: its copy is edited where it was delivered, whoever the
    associate is now (that associate already read the first version)."""
    assert member.id is not None
    original = await uow.conversations.original(Direction.IN, source_message_id, member_id=member.id)
    return await _edit_copy(uow, original, member)


async def route_associate_edit(uow: UnitOfWork, associate: Associate, source_message_id: int) -> EditCopy | NotYourMember | None:
    """An associate edited a reply: the member's copy is edited, if the member is still theirs."""
    assert associate.id is not None
    original = await uow.conversations.original(Direction.OUT, source_message_id, associate_id=associate.id)
    member = await uow.members.get(original.member_id) if original else None
    if original is None or member is None or member.id is None:
        return None
    if not owns(associate, await uow.links.current(member.id)):
        return NotYourMember()
    return await _edit_copy(uow, original, member)


async def _edit_copy(uow: UnitOfWork, original: ConversationMessage | None, member: Member) -> EditCopy | None:
    if original is None or original.relay_outbox_id is None or original.kind not in EDITABLE:
        return None
    associate = await uow.associates.get(original.associate_id)
    store = await uow.stores.get(associate.store_id) if associate else None
    if associate is None or store is None:
        return None
    return EditCopy(original, member, associate, store)


# Texts and captions can be edited; a sticker's line, a location link or a contact card cannot.
EDITABLE = frozenset({MessageKind.TEXT, MessageKind.PHOTO, MessageKind.VOICE, MessageKind.VIDEO, MessageKind.DOCUMENT})
