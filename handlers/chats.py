"""/chats in the associate bot: the associate's own members, latest conversation first,
paged; a member's button opens the conversation. Callback data names a page or a member
and nothing more: the list is always the presser's own, and an opened member is re-checked
against the current link on the server."""

from __future__ import annotations

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import ChatsPage, OpenChat
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.render.base import Outgoing
from bot.interface.render.chats import ChatsRenderer
from bot.interface.staff import refuse_non_associate, staff_of
from commerce.access import NotYours
from commerce.chats import chats_page, open_chat

from commerce.model import Associate, BotKind

ASSOCIATE = BotKind.ASSOCIATE


def views(tx: UpdateTransaction) -> ChatsRenderer:
    return ChatsRenderer(tx.services.catalog, tx.brand)


async def _associate(tx: UpdateTransaction, update: Update) -> Associate | None:
    staff = await staff_of(tx, update)
    return staff.associate if staff is not None else None


async def on_chats(update: Update, ctx: StorelinkContext) -> None:
    """/chats: the first page."""
    services = ctx.services
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        associate = await _associate(tx, update)
        if associate is None:  # HQ operators and strangers have no members
            await refuse_non_associate(tx, update, ctx.bot_data.commands, "/chats")
            return
        await tx.reply(update, views(tx).page(locale, await chats_page(tx.uow, associate, 0)))


async def on_chats_page(update: Update, ctx: StorelinkContext) -> None:
    """◀ / ▶: the page replaces the list in place."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    data = ChatsPage.unpack(query.data)
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        associate = await _associate(tx, update)
        if associate is not None and data is not None:
            page = views(tx).page(locale, await chats_page(tx.uow, associate, data.page))
            await tx.reply(update, _in_place(page, query.message.message_id if query.message else None))
    await answer(query)


async def on_open_chat(update: Update, ctx: StorelinkContext) -> None:
    """A member's button: their conversation, if they are the presser's member now."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    data = OpenChat.unpack(query.data)
    locale = services.locale(update)
    async with services.transaction(ASSOCIATE, update) as tx:
        associate = await _associate(tx, update)
        if associate is not None:
            chat = await open_chat(tx.uow, associate, data.member_id) if data is not None else NotYours()
            if isinstance(chat, NotYours):
                await tx.reply(update, views(tx).not_yours(locale))
            else:
                for outgoing in views(tx).opened(locale, chat, dict(chat.names)):
                    await tx.reply(update, outgoing)
    await answer(query)


def _in_place(page: Outgoing, message_id: int | None) -> Outgoing:
    if message_id is None or page.method != "sendMessage":
        return page
    return Outgoing("editMessageText", {**page.params, "message_id": message_id})
