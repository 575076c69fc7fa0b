"""The consumer bot's answer to someone who is not a member yet and asks for what only a
member has: a command is refused as every command that is not the sender's is, in both
bots (whom it is for, then their own help); a member's button an ex-member or a guest
presses (an old card) gets the one line that says how to join."""

from __future__ import annotations

from telegram import Update

from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.render.base import text
from commerce.bots import BotKind, Role
from commerce.identity import Identity, identify


async def member_of(tx: UpdateTransaction, update: Update) -> Identity:
    """Who sent the update to the consumer bot: a member of the brand, or a guest."""
    user = update.effective_user
    assert user is not None and tx.brand.id is not None
    return await identify(tx.uow, BotKind.CONSUMER, tx.brand.id, user.id)


async def refuse_guest(tx: UpdateTransaction, update: Update, ctx: StorelinkContext) -> None:
    locale = tx.services.locale(update)
    message = update.effective_message
    if update.callback_query is not None or message is None or not (message.text or "").startswith("/"):
        await tx.reply(update, text(tx.member_views.t(locale, "member.not_a_member")))
        return
    command = (message.text or "").split(None, 1)[0].split("@", 1)[0]
    await tx.reply(update, tx.services.render.not_theirs(BotKind.CONSUMER, Role.GUEST, locale, ctx.bot_data.commands, command))
