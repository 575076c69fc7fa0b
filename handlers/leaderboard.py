"""/leaderboard [today|week|month] in the associate bot: the recruitment ranking on demand."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.interface.context import StorelinkContext
from bot.interface.render.leaderboard import associate_picture, brand_pictures, queue_picture
from bot.interface.render.base import text
from commerce.access import may_see_leaderboard
from commerce.identity import identify
from commerce.leaderboard import load_board, parse_period
from commerce.model import BotKind, Role


async def on_leaderboard(update: Update, ctx: StorelinkContext) -> None:
    """An associate gets their standing with their store's and the brand's top lists; HQ
    gets the brand's; anyone else is told the command is not theirs."""
    services = ctx.services
    locale = services.locale(update)
    period = parse_period(ctx.args[0] if ctx.args else None)
    brand_id = services.brand.id
    assert brand_id is not None
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        who = await identify(tx.uow, BotKind.ASSOCIATE, brand_id, update.effective_user.id)
        if not may_see_leaderboard(who):
            await tx.reply(update, text(services.catalog.text(locale, "common.not_for_you")))
            return
        if period is None:
            await tx.reply(update, text(services.catalog.text(locale, "leaderboard.usage")))
            return
        now = services.clock.now()
        board = await load_board(tx.uow, brand_id, period, now)
        if who.role is Role.HQ:
            pictures = await asyncio.to_thread(brand_pictures, services.catalog, locale, board)
        else:
            assert who.associate is not None and who.associate.id is not None
            pictures = [await asyncio.to_thread(associate_picture, services.catalog, locale, board, who.associate.id)]
        for picture in pictures:
            await queue_picture(tx, update.effective_chat.id, picture, now)
