"""/qr in the associate bot: the associate's personal poster, ready to print or share."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.images.poster_layout import PosterSpec
from bot.images.poster_specs import poster_spec_for
from bot.images.posters import render_poster
from bot.interface.context import StorelinkContext
from bot.interface.links import share_link
from bot.interface.render.base import Outgoing, fit
from bot.interface.staff import command_word, refuse_command
from commerce import lengths
from commerce.access import NotAllowed, Staff
from commerce.bots import BotKind
from commerce.people import Brand
from commerce.posters import keep_poster, poster_for

ASSOCIATE = BotKind.ASSOCIATE


async def on_qr(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    locale = services.locale(update)
    t = services.catalog.text

    async def draw(staff: Staff, brand: Brand) -> tuple[bytes, PosterSpec]:
        spec = poster_spec_for(staff.associate, staff.store, brand, services.bot_usernames[BotKind.CONSUMER],
                               services.signing_keys[0], services.catalog)
        # Rendering takes tens of milliseconds of CPU: keep it off the event loop.
        return await asyncio.get_running_loop().run_in_executor(None, render_poster, spec, "PNG"), spec

    poster = await poster_for(services.uow, services.brand, update.effective_user.id, draw)  # type: ignore[union-attr]
    async with services.transaction(ASSOCIATE, update) as tx:
        if isinstance(poster, NotAllowed):
            await refuse_command(tx, update, ctx.bot_data.commands, command_word(update))
            return
        associate, store, brand, link = poster.staff.associate, poster.staff.store, poster.brand, poster.drawing.deep_link
        caption = t(locale, "qr.caption", associate=associate.display_name, brand=brand.name, code=associate.short_code, link=link)
        share = share_link(link, t(locale, "qr.share_text", brand=brand.name, associate=associate.display_name, store=store.name))
        blob_id = await keep_poster(tx.uow, poster, services.clock.now())
        await tx.reply(update, Outgoing("sendPhoto", {
            "photo": {"blob_id": blob_id},
            "caption": fit(caption, lengths.CAPTION),
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[{"text": t(locale, "qr.share_button"), "url": share}]]},
        }))
