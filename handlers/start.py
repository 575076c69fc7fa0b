"""/start and /help in the associate bot, /help in the consumer bot (its /start is enrollment)."""

from __future__ import annotations

from telegram import Update

from bot.context import StorelinkContext, UpdateTransaction
from commerce.codes import parse_start_payload
from commerce.identity import identify
from commerce.model import BotKind
from handlers import onboarding
from handlers.staff import opened_staff_bot


async def on_consumer_help(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    async with services.transaction(BotKind.CONSUMER, update) as tx:
        await tx.reply(update, services.render.consumer_help(services.locale(update)))


async def on_associate_start(update: Update, ctx: StorelinkContext) -> None:
    """Staff open the associate bot: the role comes from the database, by Telegram user id.
    An invite link from their manager arrives here as `/start i<token>`."""
    if ctx.args and parse_start_payload(ctx.args[0])[0] == "invite":
        return await onboarding.on_invite(update, ctx, ctx.args[0])
    services = ctx.services
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        who = await identify(tx.uow, BotKind.ASSOCIATE, _brand_id(ctx), update.effective_user.id)
        await opened_staff_bot(tx, who.associate)
        await tx.reply(update, services.render.associate_start(who, services.locale(update)))


async def on_associate_help(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        who = await identify(tx.uow, BotKind.ASSOCIATE, _brand_id(ctx), update.effective_user.id)
        await opened_staff_bot(tx, who.associate)
        await tx.reply(update, services.render.associate_help(who, services.locale(update)))


def _brand_id(ctx: StorelinkContext) -> int:
    brand_id = ctx.services.brand.id
    assert brand_id is not None
    return brand_id
