"""The relay's Telegram side: members' messages to their associate, associates' replies
to their members, edits both ways, and /history. Each handler parses the message into
values and calls one use case (commerce/member_messages.py, commerce/associate_replies.py),
which queues what it sends in the update's own transaction."""

from __future__ import annotations

from telegram import Message, Update

from bot.interface.context import StorelinkContext, UpdateTransaction
from commerce.access import Staff
from commerce.associate_replies import relay_associate_edit, reply_to_member, show_history
from commerce.identity import Identity, identify
from commerce.member_messages import relay_member_edit, relay_member_message
from commerce.messages import Content, Incoming
from commerce.model import BotKind, MessageKind, Role
from handlers.staff import refuse_non_associate, staff_of

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


def incoming_of(message: Message, locale: str) -> Incoming:
    replied = message.reply_to_message
    return Incoming(message.chat_id, message.message_id, content_of(message), locale, message.media_group_id,
                    replied.message_id if replied is not None else None)


async def relay_from_member(tx: UpdateTransaction, update: Update, who: Identity) -> None:
    """A member's message, in the update's transaction, to the relay (the text router and
    the contact handler call it too)."""
    message = update.effective_message
    assert message is not None and who.member is not None and tx.services.brand.id is not None
    await relay_member_message(tx.uow, tx.postbox, who.member, incoming_of(message, tx.services.locale(update)),
                               tx.services.brand.id, tx.services.clock.now(), who)


# --- member -> associate ----------------------------------------------------------------


async def on_member_media(update: Update, ctx: StorelinkContext) -> None:
    """Media, a sticker or a location in the consumer bot: relayed for members; nobody else
    has anyone to show it to. (Contact cards pass through member.on_contact first.)"""
    services = ctx.services
    async with services.transaction(CONSUMER, update) as tx:
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is Role.MEMBER and who.member is not None:
            await relay_from_member(tx, update, who)


async def on_member_edit(update: Update, ctx: StorelinkContext) -> None:
    """A member edited a message: the associate's copy is edited, header kept; the edit is history."""
    services = ctx.services
    message = update.edited_message
    assert message is not None
    async with services.transaction(CONSUMER, update) as tx:
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is Role.MEMBER and who.member is not None:
            await relay_member_edit(tx.uow, tx.postbox, who.member, incoming_of(message, services.locale(update)),
                                    services.clock.now())


# --- associate -> member ----------------------------------------------------------------


async def _staff(tx: UpdateTransaction, update: Update) -> Staff | None:
    """The sender as an active associate; HQ operators and strangers have no members."""
    return await staff_of(tx, update)


async def on_associate_edit(update: Update, ctx: StorelinkContext) -> None:
    """An associate edited a reply: the member's copy is edited, under the persona."""
    services = ctx.services
    message = update.edited_message
    assert message is not None
    async with services.transaction(ASSOCIATE, update) as tx:
        staff = await _staff(tx, update)
        if staff is not None:
            await relay_associate_edit(tx.uow, tx.postbox, staff, incoming_of(message, services.locale(update)),
                                       services.clock.now())


async def on_associate_message(update: Update, ctx: StorelinkContext) -> None:
    """An associate's text or photo: a reply to a relayed message goes to that member."""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    async with services.transaction(ASSOCIATE, update) as tx:
        staff = await _staff(tx, update)
        if staff is not None:  # HQ operators and strangers have no members to answer
            await reply_to_member(tx.uow, tx.postbox, staff, incoming_of(message, services.locale(update)), services.clock.now())


async def on_history(update: Update, ctx: StorelinkContext) -> None:
    """/history as a reply to a member's relayed message: their last 20 messages."""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    async with services.transaction(ASSOCIATE, update) as tx:
        staff = await _staff(tx, update)
        if staff is None:
            await refuse_non_associate(tx, update, ctx.bot_data.commands, "/history")
            return
        await show_history(tx.uow, tx.postbox, staff, incoming_of(message, services.locale(update)))
