"""The error handler: log with context, answer the person politely, never a stack trace."""

from __future__ import annotations

import logging

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.context import HANDLED, AlreadyProcessed, StorelinkContext
from commerce.inbox import InboxStatus
from commerce.updates import record_failure

log = logging.getLogger("storelink.handlers")


async def on_error(update: object, ctx: StorelinkContext) -> None:
    if isinstance(ctx.error, AlreadyProcessed):
        log.info("update %s was processed before; redelivery ignored", ctx.error)
        return
    services = ctx.services
    kind = ctx.bot_kind
    if not isinstance(update, Update):
        log.error("error outside an update in the %s bot", kind, exc_info=ctx.error)
        return
    user_id = update.effective_user.id if update.effective_user else None
    log.error(
        "update %s in the %s bot failed (user %s, %s)",
        update.update_id,
        kind,
        user_id,
        type(ctx.error).__name__,
        exc_info=ctx.error,
    )
    await answer(update.callback_query)  # stop the button's spinner; the apology follows
    # A fresh transaction (the failed one rolled back): the update is FAILED with its reason
    # (the ingress learns it through HANDLED, or from the inbox row), and the person hears an apology.
    async with services.transaction(kind) as tx:
        await record_failure(tx.uow, kind, update.update_id, services.clock.now(), f"{type(ctx.error).__name__}: {ctx.error}"[:500])
        if update.effective_chat is not None and update.effective_chat.type == "private":
            await tx.reply(update, services.render.error(services.locale(update)))
    if HANDLED.get() is not InboxStatus.DONE:  # a handler that raised after its commit stays done
        HANDLED.set(InboxStatus.FAILED)
