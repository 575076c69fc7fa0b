"""`/order N STEP ...` in the associate bot: an order's next step typed as a command, the
fallback beside the order card's buttons (commerce.order_commands reads it). Who may take
the step on which order is the server's decision (commerce.access through commerce.ordering):
another associate's order number answers as if there were no such order.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.interface.context import UpdateTransaction
from bot.interface.render.order_updates import OrderUpdatesRenderer
from bot.interface.staff import argument, staff_command
from commerce.access import Staff
from commerce.bots import Role
from commerce.identity import Identity
from commerce.order_commands import Misread, read_order_command, staff_order_step
from commerce.order_moves import Moved

log = logging.getLogger("storelink.orders")


@staff_command
async def on_order(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    services = tx.services
    views = OrderUpdatesRenderer(services.catalog, tx.brand, services.settings.default_locale)
    words = argument(update)
    command = read_order_command(words, tx.brand.timezone)
    if isinstance(command, Misread):
        first = words.split()[0].lstrip("#") if words.split() else ""
        step = words.split()[1] if len(words.split()) > 1 else ""
        await tx.reply(update, views.step_answer(locale, int(first) if first.isdigit() and len(first) < 19 else 0,
                                                 command, step))
        return
    who = Identity(Role.ASSOCIATE, staff.associate.telegram_user_id or 0, associate=staff.associate, store=staff.store)
    result = await staff_order_step(tx.uow, tx.postbox, who, command, services.clock.now(), services.invoicing)
    if not isinstance(result, Moved):
        log.info("an associate's step %s on order %s was refused: %s", command.step, command.order_id, type(result).__name__)
    await tx.reply(update, views.step_answer(locale, command.order_id, result, command.step.value))
