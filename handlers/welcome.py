"""/welcome in the associate bot: an associate sees and edits the welcome new members read."""

from __future__ import annotations

from telegram import Update

from bot.interface.context import StorelinkContext
from bot.interface.render.base import text
from commerce.bots import BotKind, Role
from commerce.identity import identify
from commerce.welcome import WELCOME_LIMIT, set_welcome

ASSOCIATE = BotKind.ASSOCIATE


async def on_welcome(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    locale = services.locale(update)
    views = services.member_views
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    # The text after the command, as typed: line breaks inside it are kept.
    parts = (message.text or "").split(maxsplit=1)
    argument = parts[1].strip() if len(parts) > 1 else ""
    async with services.transaction(ASSOCIATE, update) as tx:
        who = await identify(tx.uow, ASSOCIATE, services.brand.id, update.effective_user.id)  # type: ignore[arg-type]
        associate = who.associate
        if who.role is not Role.ASSOCIATE or associate is None:
            await tx.reply(update, text(views.t(locale, "welcome.associates_only")))
            return
        store = who.store.name if who.store else ""
        if not argument:
            template = associate.welcome_text or tx.brand.welcome_text or views._raw(locale, "enroll.welcome_default")
            await tx.reply(update, text(views.t(locale, "welcome.current", markup={"text": _preview(views, template, associate.display_name, store)})))
            return
        new = None if argument.lower() == "reset" else argument
        problem = await set_welcome(tx.uow, associate, new, services.clock.now())
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
