"""/welcome in the associate bot: an associate sees and edits the welcome new members read."""

from __future__ import annotations

from telegram import Update

from bot.interface.context import UpdateTransaction
from bot.interface.render.base import text
from bot.interface.staff import argument, staff_command
from commerce.access import Staff
from commerce.welcome import WELCOME_LIMIT, set_welcome


@staff_command
async def on_welcome(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    views = tx.member_views
    associate, store = staff.associate, staff.store.name
    new_text = argument(update)  # as typed after the command: line breaks inside it are kept
    if not new_text:
        template = associate.welcome_text or tx.brand.welcome_text or views._raw(locale, "enroll.welcome_default")
        await tx.reply(update, text(views.t(locale, "welcome.current", markup={"text": _preview(views, template, associate.display_name, store)})))
        return
    new = None if new_text.lower() == "reset" else new_text
    problem = await set_welcome(tx.uow, associate, new, tx.services.clock.now())
    if problem is None and new is None:
        await tx.reply(update, text(views.t(locale, "welcome.reset")))
    elif problem is None:
        await tx.reply(update, text(views.t(locale, "welcome.saved", markup={"text": _preview(views, new, associate.display_name, store)})))
    elif problem.reason == "too_long":
        await tx.reply(update, text(views.t(locale, "welcome.too_long", length=problem.detail, limit=WELCOME_LIMIT)))
    elif problem.reason == "bad_placeholder":
        await tx.reply(update, text(views.t(locale, "welcome.bad_placeholder", name=problem.detail)))
    else:
        await tx.reply(update, text(views.t(locale, "welcome.bad_braces")))


def _preview(views, template: str, associate: str, store: str) -> str:  # noqa: ANN001
    return "<i>" + views.fill(template, member="Alice", associate=associate, store=store) + "</i>"
