"""Associate invites: `/start i<token>` in the staff bot binds the Telegram account that opened it."""

from __future__ import annotations

from telegram import Update

from bot.interface.render import onboarding as render_onboarding
from bot.interface.context import StorelinkContext
from commerce.codes import INVITE_PREFIX
from commerce.model import BotKind
from commerce.onboarding import accept_invite, invite_token_hash


async def on_invite(update: Update, ctx: StorelinkContext, payload: str) -> None:
    """Someone opened the invite link their manager gave them (only its hash is stored)."""
    services = ctx.services
    token_hash = invite_token_hash(payload.removeprefix(INVITE_PREFIX))
    async with services.transaction(BotKind.ASSOCIATE, update) as tx:
        result = await accept_invite(tx.uow, token_hash, update.effective_user.id, services.clock.now())
        reply = render_onboarding.invite_result(services.catalog, services.brand.name, result, services.locale(update))
        await tx.reply(update, reply)
