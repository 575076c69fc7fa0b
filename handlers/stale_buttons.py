"""A press whose data names a known button but does not unpack (a forged or out-of-range
id, a button from an older build) is answered "no longer valid" and logged, before any
feature handler, and so before the database, sees it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from bot.interface.callbacks import registered
from bot.interface.context import StorelinkContext
from bot.interface.buttons import answer

log = logging.getLogger("storelink.handlers")
GROUP = -1  # runs before every feature handler (group 0)


def is_stale(data: object) -> bool:
    return any(data_type.is_stale(data) for data_type in registered())


async def on_stale_button(update: Update, ctx: StorelinkContext) -> None:
    query = update.callback_query
    assert query is not None
    services = ctx.services
    log.info("button press refused: its data %r does not unpack (%s bot)", query.data, ctx.bot_data.kind)
    await answer(query, services.catalog.text(services.locale(update), "common.stale_button"), alert=True)
    raise ApplicationHandlerStop


def stale_button_handler() -> CallbackQueryHandler:
    return CallbackQueryHandler(on_stale_button, pattern=is_stale)
