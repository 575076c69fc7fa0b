"""/chats in the associate bot: the associate's own members, latest conversation first,
paged; a member's button opens the conversation. Callback data names a page or a member
and nothing more: the list is always the presser's own, and an opened member is re-checked
against the current link on the server."""

from __future__ import annotations

from telegram import Update

from bot.interface.callbacks import ChatsPage, OpenChat
from bot.interface.context import UpdateTransaction
from bot.interface.render.base import Outgoing
from bot.interface.render.chats import ChatsRenderer
from bot.interface.staff import staff_button, staff_command
from commerce.access import NotYours, Staff
from commerce.chats import chats_page, open_chat


def views(tx: UpdateTransaction) -> ChatsRenderer:
    return ChatsRenderer(tx.services.catalog, tx.brand)


@staff_command
async def on_chats(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/chats: the first page (HQ operators and strangers, who have no members, are told
    whom it is for)."""
    await tx.reply(update, views(tx).page(locale, await chats_page(tx.uow, staff.associate, 0)))


@staff_button(ChatsPage)
async def on_chats_page(tx: UpdateTransaction, update: Update, staff: Staff, data: ChatsPage, locale: str) -> None:
    """◀ / ▶: the page replaces the list in place."""
    query = update.callback_query
    page = views(tx).page(locale, await chats_page(tx.uow, staff.associate, data.page))
    await tx.reply(update, _in_place(page, query.message.message_id if query and query.message else None))


@staff_button(OpenChat)
async def on_open_chat(tx: UpdateTransaction, update: Update, staff: Staff, data: OpenChat, locale: str) -> None:
    """A member's button: their conversation, if they are the presser's member now."""
    chat = await open_chat(tx.uow, staff.associate, data.member_id)
    if isinstance(chat, NotYours):
        await tx.reply(update, views(tx).not_yours(locale))
    else:
        for outgoing in views(tx).opened(locale, chat, dict(chat.names)):
            await tx.reply(update, outgoing)


def _in_place(page: Outgoing, message_id: int | None) -> Outgoing:
    if message_id is None or page.method != "sendMessage":
        return page
    return Outgoing("editMessageText", {**page.params, "message_id": message_id})
