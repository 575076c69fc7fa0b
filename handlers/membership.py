"""A member blocks or unblocks the consumer bot (Telegram's my_chat_member update)."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.interface.context import StorelinkContext
from commerce.bots import BotKind
from commerce.membership import mark_reachable, mark_unreachable


async def on_consumer_bot_status(update: Update, ctx: StorelinkContext) -> None:
    """Blocked: stop sending (and end marketing). Unblocked: the associate chat resumes."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    services = ctx.services
    blocked = change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT)
    async with services.transaction(BotKind.CONSUMER, update) as tx:
        mark = mark_unreachable if blocked else mark_reachable
        await mark(tx.uow, services.brand.id, change.from_user.id, services.clock.now())
