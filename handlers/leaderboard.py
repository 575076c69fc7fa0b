"""/leaderboard [today|week|month] in the associate bot: the recruitment ranking on demand."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.interface.context import StorelinkContext
from bot.interface.render.base import text
from bot.interface.render.leaderboard import Artist
from bot.interface.staff import command_word, refuse_command
from commerce.access import NotAllowed
from commerce.bots import BotKind
from commerce.leaderboard import parse_period
from commerce.leaderboard_sends import NoSuchPeriod, leaderboard_for, show_pictures

log = logging.getLogger("storelink.leaderboard")


async def on_leaderboard(update: Update, ctx: StorelinkContext) -> None:
    """An associate gets their standing with their store's and the brand's top lists; HQ
    gets the brand's; anyone else is told whom the command is for, with their own help. The images are drawn
    before the update's transaction, which only keeps and sends them."""
    services = ctx.services
    locale = services.locale(update)
    period = parse_period(ctx.args[0] if ctx.args else None)
    brand_id = services.brand.id
    assert brand_id is not None and update.effective_user is not None and update.effective_chat is not None
    now = services.clock.now()
    shown = await leaderboard_for(services.uow, brand_id, update.effective_user.id, period, locale,
                                  Artist(services.catalog), now)
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        if isinstance(shown, NotAllowed):
            await refuse_command(tx, update, ctx.bot_data.commands, command_word(update))
        elif isinstance(shown, NoSuchPeriod):
            await tx.reply(update, text(services.catalog.text(locale, "leaderboard.usage")))
        else:
            keep = timedelta(days=services.settings.leaderboard_image_days)
            expired = await show_pictures(tx.uow, tx.postbox, update.effective_chat.id, shown, now, keep)
            if expired:
                log.info("deleted %d expired images", expired)
