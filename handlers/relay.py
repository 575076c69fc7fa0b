"""The relay's Telegram side: members' messages to their associate, associates' replies
to their members, and /history. Each update's relayed copy is written to the outbox in
the update's own transaction, with the history row that names it."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Message, Update

from bot.context import StorelinkContext, UpdateTransaction
from bot.i18n import locale_for
from bot.render import Outgoing, text
from bot.render_controls import ControlsRenderer
from bot.render_relay import Content, RelayRenderer
from commerce.escalation import ClaimFirst
from commerce.identity import Identity, identify
from commerce.model import Associate, BotKind, Direction, Member, MessageKind, OutboxMessage, Role
from commerce.relay import (
    ChatPaused,
    EditCopy,
    Forward,
    MemberPaused,
    NotYourMember,
    ReplyRoute,
    ReplyTo,
    history,
    record_message,
    route_associate_edit,
    route_associate_reply,
    route_member_edit,
    route_member_message,
)
from commerce.workspace import header_tags
from handlers.albums import edit_album_item, edit_held_item, edit_held_reply, first_of_album, hold_album_item
from handlers.availability import auto_reply, claim_first_text, claimed_route, settle_answer
from handlers.staff import refuse_non_associate, staff_of, writer_names
from handlers.workspace import keep_buttons, unthreaded_route

CONSUMER, ASSOCIATE = BotKind.CONSUMER, BotKind.ASSOCIATE


def content_of(message: Message) -> Content:
    if message.photo:  # sizes, smallest first: relay the largest
        return Content(MessageKind.PHOTO, message.caption, message.photo[-1].file_id)
    if message.voice:
        return Content(MessageKind.VOICE, message.caption, message.voice.file_id, mime_type=message.voice.mime_type)
    if message.video:
        video = message.video
        return Content(MessageKind.VIDEO, message.caption, video.file_id, video.file_name, video.mime_type)
    if message.document:
        document = message.document
        return Content(MessageKind.DOCUMENT, message.caption, document.file_id, document.file_name, document.mime_type)
    if message.sticker:
        return Content(MessageKind.STICKER, message.sticker.emoji)
    if message.location:
        where = message.location
        return Content(MessageKind.LOCATION, f"{where.latitude:.6f},{where.longitude:.6f}",
                       card={"latitude": where.latitude, "longitude": where.longitude})
    if message.contact:
        card = message.contact
        name = " ".join(filter(None, [card.first_name, card.last_name]))  # the history keeps the name, not the number
        return Content(MessageKind.CONTACT, name, card={"phone_number": card.phone_number, "first_name": card.first_name,
                                                        "last_name": card.last_name})
    return Content(MessageKind.TEXT, message.text)


async def send_all(tx: UpdateTransaction, bot: BotKind, chat_id: int, outgoing: list[Outgoing]) -> OutboxMessage:
    """The first message is the relayed one (a reply to it reaches the writer); the rest
    follow as replies to it, the sender filling in its Telegram id once it is sent."""
    first = await tx.send(bot, chat_id, outgoing[0])
    for more in outgoing[1:]:
        await tx.send(bot, chat_id, Outgoing(more.method, {**more.params, "reply_parameters": {"message_id": {"outbox_id": first.id}}}))
    return first


def views(tx: UpdateTransaction) -> RelayRenderer:
    return RelayRenderer(tx.services.catalog, tx.services.brand)


# --- member -> associate ----------------------------------------------------------------


async def relay_member_message(tx: UpdateTransaction, update: Update, member: Member, locale: str,
                               who: Identity | None = None) -> None:
    """A member's text or photo: to their associate, or a polite word why not. `who`, the
    member's identity read in this transaction, spares reading their link again."""
    message = update.effective_message
    assert message is not None
    content = content_of(message)
    route = await route_member_message(tx.uow, member, who)
    known = who if who is not None and who.member is not None and who.member.id == member.id else None
    if isinstance(route, Forward) and await hold_album_item(tx, message, member, route.associate, content):
        await auto_reply(tx, update, member, route.associate, route.store, locale, known)  # said once per window, not per item
        return  # relayed with the rest of its album
    if not isinstance(route, Forward) and not await first_of_album(tx, message):
        return  # the album's first item got the answer
    if isinstance(route, Forward):
        assert route.associate.telegram_user_id is not None
        tags = await header_tags(tx.uow, member, known.tags if known else None)
        outbox = await send_all(tx, ASSOCIATE, route.associate.telegram_user_id,
                                views(tx).to_associate(member, route.associate, route.store, content, tags))
        await record_message(tx.uow, member=member, associate=route.associate, direction=Direction.IN, kind=content.kind,
                             text=content.text, source_message_id=message.message_id, relay_outbox_id=outbox.id,
                             now=tx.services.clock.now())
        await auto_reply(tx, update, member, route.associate, route.store, locale, known)  # away or off duty: said once per window
    elif isinstance(route, ChatPaused):
        await tx.reply(update, text(views(tx).t(locale, "relay.chat_paused")))
    else:
        body = views(tx).t(locale, "relay.no_associate")
        await tx.reply(update, ControlsRenderer(tx.services.catalog, tx.services.brand).no_associate(locale, body))


async def on_member_media(update: Update, ctx: StorelinkContext) -> None:
    """Media, a sticker or a location in the consumer bot: relayed for members; nobody else
    has anyone to show it to. (Contact cards pass through member.on_contact first.)"""
    services = ctx.services
    async with services.transaction(CONSUMER, update) as tx:
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is Role.MEMBER and who.member is not None:
            await relay_member_message(tx, update, who.member, services.locale(update), who)


async def on_member_edit(update: Update, ctx: StorelinkContext) -> None:
    """A member edited a message: the associate's copy is edited, header kept; the edit is history."""
    services = ctx.services
    message = update.edited_message
    assert message is not None
    async with services.transaction(CONSUMER, update) as tx:
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is not Role.MEMBER or who.member is None:
            return
        if await edit_held_item(tx, who.member, message):
            return  # its album is not relayed yet: it goes out with the new caption
        edit = await route_member_edit(tx.uow, who.member, message.message_id)
        if edit is not None and await edit_album_item(tx, edit, message):
            return  # that item of the album was edited
        if edit is not None:
            tags = await header_tags(tx.uow, edit.member)
            await _edit_copy(tx, edit, message, Direction.IN, lambda new: views(tx).edit_for_associate(
                edit.member, edit.associate, edit.store, edit.original.kind, new, edit.original.relay_outbox_id, tags))  # type: ignore[arg-type]


async def _edit_copy(tx: UpdateTransaction, edit: EditCopy, message: Message, direction: Direction,
                     render: Callable[[str | None], Outgoing]) -> None:
    """Queue the edit behind the copy in the same chat (so it is sent after it) and keep it."""
    copy = await tx.uow.outbox.get(edit.original.relay_outbox_id)  # type: ignore[arg-type]
    if copy is None:
        return
    new_text = message.text if edit.original.kind is MessageKind.TEXT else message.caption
    outbox = await tx.send(copy.bot, copy.chat_id, keep_buttons(render(new_text), copy))
    await record_message(tx.uow, member=edit.member, associate=edit.associate, direction=direction, kind=MessageKind.EDIT,
                         text=new_text, source_message_id=message.message_id, relay_outbox_id=outbox.id,
                         now=tx.services.clock.now())


# --- associate -> member ----------------------------------------------------------------


async def on_associate_edit(update: Update, ctx: StorelinkContext) -> None:
    """An associate edited a reply: the member's copy is edited, under the persona."""
    services = ctx.services
    message = update.edited_message
    assert message is not None
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        associate = await _associate_of(tx, update)
        if associate is None:
            return
        if await edit_held_reply(tx, associate, message):
            return  # its album is not relayed yet: it goes out with the new caption
        edit = await route_associate_edit(tx.uow, associate, message.message_id)
        if isinstance(edit, NotYourMember):
            await tx.reply(update, text(views(tx).t(locale, "relay.not_your_member")))
        elif edit is not None and await edit_album_item(tx, edit, message, Direction.OUT):
            return  # that item of the member's album was edited
        elif edit is not None:
            member_locale = locale_for(edit.member.language_code, services.settings.default_locale)
            await _edit_copy(tx, edit, message, Direction.OUT, lambda new: views(tx).edit_for_member(
                member_locale, edit.associate, edit.store, edit.original.kind, new, edit.original.relay_outbox_id))  # type: ignore[arg-type]


async def _associate_of(tx: UpdateTransaction, update: Update) -> Associate | None:
    """The sender as an active associate; HQ operators and strangers have no members."""
    staff = await staff_of(tx, update)
    return staff.associate if staff is not None else None


async def _replied_route(tx: UpdateTransaction, associate: Associate, message: Message) -> ReplyRoute:
    """The member behind the message the associate replied to. It is looked up in the
    associate's own chat only, and ownership is re-checked against the current link."""
    replied = message.reply_to_message
    assert replied is not None and associate.telegram_user_id is not None
    outbox = await tx.uow.outbox.by_telegram_message(ASSOCIATE, associate.telegram_user_id, replied.message_id)
    # An album is one outbox row delivered as several messages: any of them names it. A
    # message that follows a relayed one (an album's buttons, a contact card) names it too.
    outbox_id = outbox.id if outbox else await tx.uow.albums.outbox_of_message(ASSOCIATE, associate.telegram_user_id, replied.message_id)
    outbox_id = followed_row(outbox) or outbox_id
    store = await tx.uow.stores.get(associate.store_id)
    assert store is not None
    route = await route_associate_reply(tx.uow, associate, store, outbox_id)
    return await claimed_route(tx, associate, store, replied.message_id, route)  # or an escalation card they claimed


async def on_associate_message(update: Update, ctx: StorelinkContext) -> None:
    """An associate's text or photo: a reply to a relayed message goes to that member."""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        associate = await _associate_of(tx, update)
        if associate is None:
            return  # HQ operators and strangers have no members to answer
        if message.reply_to_message is None:  # for the member being written to from /chats, if any
            unthreaded = await unthreaded_route(tx, update, associate, locale)
            if unthreaded is None:
                return  # answered there: a hint, a pending tag or note, a focus that ended
            route = unthreaded
        else:
            route = await _replied_route(tx, associate, message)
        content = content_of(message)
        if isinstance(route, ReplyTo) and await hold_album_item(tx, message, route.member, route.associate, content, Direction.OUT):
            await settle_answer(tx, route.member, associate, content)  # the album goes out as one, once complete
        elif isinstance(route, ReplyTo):
            member_locale = locale_for(route.member.language_code, services.settings.default_locale)
            outbox = await send_all(tx, CONSUMER, route.member.telegram_user_id,
                                    views(tx).to_member(member_locale, route.associate, route.store, content))
            await record_message(tx.uow, member=route.member, associate=route.associate, direction=Direction.OUT,
                                 kind=content.kind, text=content.text, source_message_id=message.message_id,
                                 relay_outbox_id=outbox.id, now=services.clock.now())
            await settle_answer(tx, route.member, associate, content)  # the member's escalations: answered or closed
        elif await first_of_album(tx, message):  # an album is refused once, not once per item
            await tx.reply(update, text(_refusal(tx, route, locale)))


def followed_row(outbox: OutboxMessage | None) -> int | None:
    """The relayed row a follow-up message (sent as a reply to it by send_all or an album)
    belongs to; None for any other row."""
    reply = (outbox.params.get("reply_parameters") or {}) if outbox is not None else {}
    ref = reply.get("message_id") if isinstance(reply, dict) else None
    return int(ref["outbox_id"]) if isinstance(ref, dict) and isinstance(ref.get("outbox_id"), int) else None


def _refusal(tx: UpdateTransaction, route: ReplyRoute | ClaimFirst, locale: str) -> str:
    if isinstance(route, ClaimFirst):
        return claim_first_text(tx, route, locale)
    if isinstance(route, NotYourMember):
        return views(tx).t(locale, "relay.not_your_member" if route.was_yours else "relay.never_your_member")
    if isinstance(route, MemberPaused):
        return views(tx).t(locale, "relay.member_paused", member=route.member.first_name)
    return views(tx).t(locale, "relay.not_relayed")


async def on_history(update: Update, ctx: StorelinkContext) -> None:
    """/history as a reply to a member's relayed message: their last 20 messages."""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        associate = await _associate_of(tx, update)
        if associate is None:
            await refuse_non_associate(tx, update, ctx.bot_data.commands, "/history")
            return
        if message.reply_to_message is None:
            await tx.reply(update, text(views(tx).t(locale, "relay.history_hint")))
            return
        route = await _replied_route(tx, associate, message)
        if not isinstance(route, ReplyTo | MemberPaused):  # their own members only
            await tx.reply(update, text(_refusal(tx, route, locale)))
            return
        member = route.member
        assert member.id is not None
        messages = await history(tx.uow, member.id, 20)
        await tx.reply(update, views(tx).history(locale, member, messages, await writer_names(tx, messages)))
