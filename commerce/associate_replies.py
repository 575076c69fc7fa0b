"""An associate answers in the associate bot: a reply to a member's relayed message (or a
message while writing to a member) reaches that member under the associate's persona; an
edit follows the copy; /history shows the member's latest messages.

Which member a reply is for comes from the message it replies to, looked up in the
associate's own chat only, and ownership is re-checked against the current link: a client
can forge the replied-to message id, never the link.
"""

from __future__ import annotations

from datetime import datetime

from commerce.access import NotYours, Staff, own_member
from commerce.album_relay import edit_album_item, first_of_album, hold_album_item, recaption_held_item
from commerce.claims import settle_answer
from commerce.escalation import ClaimFirst, route_claimed_reply
from commerce.focus import message_without_reply
from commerce.workspace_values import FocusMode
from commerce.member_messages import edit_copy
from commerce.messages import ClaimFirstNotice, History, Incoming, Outbound, Postbox, RelayedOut, Said
from commerce.bots import BotKind
from commerce.conversations import Direction
from commerce.outbox import OutboxMessage
from commerce.people import Associate, Member
from commerce.ports.uow import UnitOfWork
from commerce.relay import (
    MemberPaused,
    NotRelayed,
    NotYourMember,
    ReplyRoute,
    ReplyTo,
    member_history,
    record_message,
    route_associate_edit,
    route_associate_reply,
)
from commerce.workspace import Focused, FocusLost, current_focus

CONSUMER, ASSOCIATE = BotKind.CONSUMER, BotKind.ASSOCIATE


def followed_row(outbox: OutboxMessage | None) -> int | None:
    """The relayed row a follow-up message (queued as a reply to it: an album's buttons, a
    contact card after its header) belongs to; None for any other row."""
    reply = (outbox.params.get("reply_parameters") or {}) if outbox is not None else {}
    ref = reply.get("message_id") if isinstance(reply, dict) else None
    return int(ref["outbox_id"]) if isinstance(ref, dict) and isinstance(ref.get("outbox_id"), int) else None


async def replied_row(uow: UnitOfWork, associate: Associate, replied_message_id: int) -> int | None:
    """The outbox row behind a message of the associate's own chat. An album is one row
    delivered as several messages: any of them names it; a follow-up names the row it follows."""
    assert associate.telegram_user_id is not None
    chat_id = associate.telegram_user_id
    outbox = await uow.outbox.by_telegram_message(ASSOCIATE, chat_id, replied_message_id)
    outbox_id = outbox.id if outbox else await uow.albums.outbox_of_message(ASSOCIATE, chat_id, replied_message_id)
    return followed_row(outbox) or outbox_id


async def replied_route(uow: UnitOfWork, staff: Staff, replied_message_id: int) -> ReplyRoute | ClaimFirst:
    """The member behind the replied-to message, if theirs now; or, for a reply to an
    escalation card (or its history), the member of an escalation they claimed."""
    route = await route_associate_reply(uow, staff.associate, staff.store,
                                        await replied_row(uow, staff.associate, replied_message_id))
    if not isinstance(route, NotRelayed):
        return route
    return await route_claimed_reply(uow, staff.associate, staff.store, replied_message_id) or route


def refusal(route: ReplyRoute | ClaimFirst, locale: str) -> object:
    """Why the associate's message went nowhere."""
    if isinstance(route, ClaimFirst):
        return ClaimFirstNotice(locale, route.claimer)
    if isinstance(route, NotYourMember):
        return Said(locale, "relay.not_your_member" if route.was_yours else "relay.never_your_member")
    if isinstance(route, MemberPaused):
        return Said(locale, "relay.member_paused", {"member": route.member.first_name})
    return Said(locale, "relay.not_relayed")


async def reply_to_member(uow: UnitOfWork, postbox: Postbox, staff: Staff, incoming: Incoming, now: datetime) -> None:
    """An associate's message: a reply to a relayed message goes to that member, a message
    that replies to nothing to the member they are writing to (or it is a tag, a note, a hint)."""
    if incoming.replied_message_id is None:
        route: ReplyRoute | ClaimFirst | None = await message_without_reply(uow, postbox, staff, incoming, now)
        if route is None:
            return  # answered there: a hint, a pending tag or note, a focus that ended
    else:
        route = await replied_route(uow, staff, incoming.replied_message_id)
    if isinstance(route, ReplyTo):
        if not await hold_album_item(uow, postbox, incoming, route.member, route.associate, Direction.OUT, now):
            copy = await postbox.post(Outbound(CONSUMER, route.member.telegram_user_id,
                                               RelayedOut(route.member, route.associate, route.store, incoming.content)))
            await record_message(uow, member=route.member, associate=route.associate, direction=Direction.OUT,
                                 kind=incoming.content.kind, text=incoming.content.text,
                                 source_message_id=incoming.message_id, relay_outbox_id=copy, now=now)
        # The member's escalations are answered or closed (an album: once it goes out as one).
        await settle_answer(uow, postbox, route.member, staff.associate, incoming.content, now)
    elif await first_of_album(postbox, incoming):  # an album is refused once, not once per item
        await postbox.post(Outbound(ASSOCIATE, incoming.chat_id, refusal(route, incoming.locale)))


async def relay_associate_edit(uow: UnitOfWork, postbox: Postbox, staff: Staff, edited: Incoming, now: datetime) -> None:
    """An associate edited a reply: the member's copy is edited, under the persona."""
    if await recaption_held_item(uow, staff.associate, edited, now):
        return  # its album is not relayed yet: it goes out with the new caption
    edit = await route_associate_edit(uow, staff.associate, edited.message_id)
    if isinstance(edit, NotYourMember):
        await postbox.post(Outbound(ASSOCIATE, edited.chat_id, Said(edited.locale, "relay.not_your_member")))
    elif edit is not None and not await edit_album_item(uow, postbox, edit, edited, Direction.OUT, now):
        await edit_copy(uow, postbox, edit, edited, Direction.OUT, now)


async def command_target(uow: UnitOfWork, associate: Associate, replied_message_id: int | None,
                         now: datetime) -> Member | NotYours | None:
    """The member a command (/tag, /untag, /note) is about: the one whose relayed message it
    replies to, else the one being written to. None: the command names nobody (a reply to
    anything but a member's relayed message, or no member being written to)."""
    if replied_message_id is not None:
        outbox_id = await replied_row(uow, associate, replied_message_id)
        relayed = await uow.conversations.by_relay_outbox(outbox_id) if outbox_id is not None else None
        if relayed is None or relayed.direction is not Direction.IN:
            return None
        return await own_member(uow, associate, relayed.member_id)
    state = await current_focus(uow, associate, now)
    if isinstance(state, FocusLost):
        return NotYours()
    if isinstance(state, Focused) and state.mode is FocusMode.WRITE:
        return state.member
    return None


async def member_history_for(uow: UnitOfWork, associate: Associate, member_id: int, locale: str) -> History | NotYours:
    """A member's latest messages, for their own associate only (a button names the member,
    and a client can forge it)."""
    member = await own_member(uow, associate, member_id)
    return member if isinstance(member, NotYours) else await member_history(uow, member, locale)


async def show_history(uow: UnitOfWork, postbox: Postbox, staff: Staff, incoming: Incoming) -> None:
    """/history as a reply to a member's relayed message: their latest messages, for their
    own associate (or the claimer of their escalation) only."""
    to_writer = lambda body: Outbound(ASSOCIATE, incoming.chat_id, body)  # noqa: E731
    if incoming.replied_message_id is None:
        await postbox.post(to_writer(Said(incoming.locale, "relay.history_hint")))
        return
    route = await replied_route(uow, staff, incoming.replied_message_id)
    if not isinstance(route, ReplyTo | MemberPaused):
        await postbox.post(to_writer(refusal(route, incoming.locale)))
        return
    await postbox.post(to_writer(await member_history(uow, route.member, incoming.locale)))
