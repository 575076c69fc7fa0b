"""The relay's Telegram side: members' messages to their associate, associates' replies
to their members, edits both ways, and /history. Each handler parses the message into
values and calls one use case (commerce/member_messages.py, commerce/associate_replies.py),
which queues what it sends in the update's own transaction."""

from __future__ import annotations

from telegram import Update

from bot.interface.context import StorelinkContext
from bot.interface.incoming import incoming_of
from bot.interface.staff import refuse_command, staff_of
from commerce.associate_replies import relay_associate_edit, reply_to_member, show_history
from commerce.identity import identify
from commerce.member_messages import relay_member_edit, relay_member_message
from commerce.bots import BotKind, Role

CONSUMER, ASSOCIATE = BotKind.CONSUMER, BotKind.ASSOCIATE


# --- member -> associate ----------------------------------------------------------------


async def on_member_media(update: Update, ctx: StorelinkContext) -> None:
    """Media, a sticker or a location in the consumer bot: relayed for members; nobody else
    has anyone to show it to. (Contact cards pass through member.on_contact first.)"""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    async with services.transaction(CONSUMER, update) as tx:
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is Role.MEMBER and who.member is not None:
            await relay_member_message(tx.uow, tx.postbox, who.member, incoming_of(message, services.locale(update)),
                                       tx.brand.id, services.clock.now(), who,  # type: ignore[arg-type]
                                       pay_in_chat=services.invoicing is not None)


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


async def on_associate_edit(update: Update, ctx: StorelinkContext) -> None:
    """An associate edited a reply: the member's copy is edited, under the persona."""
    services = ctx.services
    message = update.edited_message
    assert message is not None
    async with services.transaction(ASSOCIATE, update) as tx:
        staff = await staff_of(tx, update)
        if staff is not None:
            await relay_associate_edit(tx.uow, tx.postbox, staff, incoming_of(message, services.locale(update)),
                                       services.clock.now())


async def on_associate_message(update: Update, ctx: StorelinkContext) -> None:
    """An associate's text or photo: a reply to a relayed message goes to that member."""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    async with services.transaction(ASSOCIATE, update) as tx:
        staff = await staff_of(tx, update)
        if staff is not None:  # HQ operators and strangers have no members to answer
            await reply_to_member(tx.uow, tx.postbox, staff, incoming_of(message, services.locale(update)), services.clock.now())


async def on_history(update: Update, ctx: StorelinkContext) -> None:
    """/history as a reply to a member's relayed message: their last 20 messages."""
    services = ctx.services
    message = update.effective_message
    assert message is not None
    async with services.transaction(ASSOCIATE, update) as tx:
        staff = await staff_of(tx, update)
        if staff is None:
            await refuse_command(tx, update, ctx.bot_data.commands, "/history")
            return
        await show_history(tx.uow, tx.postbox, staff, incoming_of(message, services.locale(update)))
