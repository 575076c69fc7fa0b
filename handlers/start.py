"""/start in the associate bot (an invite link from a manager among them), /help and
unknown commands in both bots (the consumer bot's /start is enrollment)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.interface.command_menus import set_menu
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.render import onboarding as render_onboarding
from bot.interface.staff import sender_of
from commerce.bots import BotKind, Role
from commerce.codes import INVITE_PREFIX, parse_start_payload
from commerce.identity import Identity, identify
from commerce.onboarding import accept_invite, invite_token_hash

log = logging.getLogger("storelink.commands")



async def on_associate_start(update: Update, ctx: StorelinkContext) -> None:
    """Staff open the associate bot: the role comes from the database, by Telegram user id.
    An invite link from their manager arrives here as `/start i<token>`."""
    if ctx.args and parse_start_payload(ctx.args[0])[0] == "invite":
        return await _on_invite(update, ctx, ctx.args[0])
    services = ctx.services
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        who = await sender_of(tx, update)
        await tx.reply(update, services.render.associate_start(who, services.locale(update)))
    if who.role is Role.HQ:  # their menu differs from the bot's default (an associate's)
        await set_menu(ctx.bot, services.catalog, ctx.bot_data.commands, Role.HQ, services.settings.default_locale,
                       chat_id=who.telegram_user_id)


async def _on_invite(update: Update, ctx: StorelinkContext, payload: str) -> None:
    """Someone opened the invite link their manager gave them (only its hash is stored):
    it binds the Telegram account that opened it."""
    services = ctx.services
    token_hash = invite_token_hash(payload.removeprefix(INVITE_PREFIX))
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        result = await accept_invite(tx.uow, token_hash, update.effective_user.id, services.clock.now())  # type: ignore[union-attr]
        reply = render_onboarding.invite_result(services.catalog, services.brand.name, result, services.locale(update))
        await tx.reply(update, reply)


async def on_help(update: Update, ctx: StorelinkContext) -> None:
    """/help in either bot: the commands of the sender's role, from the registration."""
    services, kind = ctx.services, ctx.bot_kind
    async with services.transaction(kind, update) as tx:
        who = await _who(tx, ctx, update)
        await tx.reply(update, services.render.help(kind, who.role, services.locale(update), ctx.bot_data.commands))


async def on_unknown_command(update: Update, ctx: StorelinkContext) -> None:
    """A /word no handler claims: said so, with the sender's own help, never silence."""
    services, kind = ctx.services, ctx.bot_kind
    message = update.effective_message
    assert message is not None
    word = (message.text or "").split(None, 1)[0].split("@", 1)[0][:64]
    log.info("unknown command in the %s bot", kind)  # the word itself is the person's text: not logged
    async with services.transaction(kind, update) as tx:
        who = await _who(tx, ctx, update)
        await tx.reply(update, services.render.unknown_command(kind, who.role, services.locale(update), ctx.bot_data.commands, word))


async def _who(tx: UpdateTransaction, ctx: StorelinkContext, update: Update) -> Identity:
    if ctx.bot_kind is BotKind.ASSOCIATE:
        return await sender_of(tx, update)
    return await identify(tx.uow, ctx.bot_kind, _brand_id(ctx), update.effective_user.id)  # type: ignore[union-attr]


def _brand_id(ctx: StorelinkContext) -> int:
    brand_id = ctx.services.brand.id
    assert brand_id is not None
    return brand_id
