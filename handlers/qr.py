"""/qr in the associate bot: the associate's personal poster, ready to print or share."""

from __future__ import annotations

import asyncio
import hashlib

from telegram import Update

from bot.interface.context import StorelinkContext
from bot.interface.links import share_link
from bot.images.poster_specs import poster_spec_for
from bot.images.posters import render_poster
from bot.interface.render.base import Outgoing, fit, text
from commerce import lengths
from commerce.identity import identify
from commerce.model import BotKind, Blob, Role

ASSOCIATE = BotKind.ASSOCIATE


async def on_qr(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    locale = services.locale(update)
    t = services.catalog.text
    async with services.uow() as uow:  # read only: the poster is drawn outside any transaction
        brand = await services.current_brand(uow)
        who = await identify(uow, ASSOCIATE, brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
    if who.role is not Role.ASSOCIATE or who.associate is None or who.store is None:
        async with services.transaction(ASSOCIATE, update) as tx:
            await tx.reply(update, text(t(locale, "qr.associates_only")))
        return
    associate, store = who.associate, who.store
    spec = poster_spec_for(associate, store, brand, services.bot_usernames[BotKind.CONSUMER], services.signing_keys[0], services.catalog)
    # Rendering takes tens of milliseconds of CPU: keep it off the event loop.
    png = await asyncio.get_running_loop().run_in_executor(None, render_poster, spec, "PNG")
    caption = t(locale, "qr.caption", associate=associate.display_name, brand=brand.name, code=associate.short_code, link=spec.deep_link)
    share = share_link(spec.deep_link, t(locale, "qr.share_text", brand=brand.name, associate=associate.display_name, store=store.name))
    async with services.transaction(ASSOCIATE, update) as tx:
        blob = await tx.uow.blobs.put(Blob(hashlib.sha256(png).hexdigest(), png, "image/png", f"qr-{associate.short_code}.png", services.clock.now()))
        await tx.reply(update, Outgoing("sendPhoto", {
            "photo": {"blob_id": blob.id},
            "caption": fit(caption, lengths.CAPTION),
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": t(locale, "qr.share_button"), "url": share}]]},
        }))
