"""/switch and /stopchat in the consumer bot (and their buttons on /me): a member picks
another associate of their store, or stops chatting with theirs. Both associates are told.
Button data is only a wish: commerce.member_controls decides again from the database."""

from __future__ import annotations

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import StopChat, SwitchTo
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.guests import refuse_guest
from bot.interface.render.base import text
from bot.interface.render.controls import ControlsRenderer
from commerce.bots import BotKind
from commerce.member_controls import (
    AlreadyYours,
    ChatStopped,
    Choices,
    Moved,
    NoStore,
    current_associate,
    stop_chat,
    switch_choices,
    switch_to,
)

CONSUMER = BotKind.CONSUMER


def views(tx: UpdateTransaction) -> ControlsRenderer:
    return ControlsRenderer(tx.services.catalog, tx.brand)


async def on_switch(update: Update, ctx: StorelinkContext) -> None:
    """/switch, or "Switch associate" / "Choose an associate": the store's team as buttons."""
    services = ctx.services
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        choices = await switch_choices(tx.uow, tx.brand, update.effective_user.id)  # type: ignore[union-attr]
        if isinstance(choices, Choices):
            await tx.reply(update, views(tx).choices(locale, choices))
        elif isinstance(choices, NoStore):
            await tx.reply(update, text(views(tx).t(locale, "controls.no_store")))
        else:
            await refuse_guest(tx, update, ctx)
    await answer(update.callback_query)


async def on_switch_to(update: Update, ctx: StorelinkContext) -> None:
    """A name in the list: the member moves; the associate left and the one chosen are told."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    choice = SwitchTo.unpack(query.data)
    locale = services.locale(update)
    refusal = None
    async with services.transaction(CONSUMER, update) as tx:
        outcome = await switch_to(tx.uow, tx.brand, update.effective_user.id, choice.associate_id,  # type: ignore[union-attr]
                                  services.clock.now()) if choice else None
        if isinstance(outcome, Moved):
            await tx.reply(update, views(tx).moved(locale, outcome))
            await tx.notify_associate(outcome.associate, views(tx).moved_in(outcome))
            if outcome.previous is not None:
                await tx.notify_associate(outcome.previous, views(tx).moved_out(outcome.previous, outcome))
        elif isinstance(outcome, AlreadyYours):
            await tx.reply(update, text(views(tx).t(locale, "controls.already", associate=outcome.associate.display_name)))
        else:
            refusal = views(tx).t(locale, "controls.refused")
    await answer(query, refusal, alert=refusal is not None)


async def on_ask_stop_chat(update: Update, ctx: StorelinkContext) -> None:
    """/stopchat, or "Stop chatting" on /me: asks first, naming the associate."""
    services = ctx.services
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        found = await current_associate(tx.uow, tx.brand, update.effective_user.id)  # type: ignore[union-attr]
        if found is None:
            await refuse_guest(tx, update, ctx)
        elif found[1] is None:
            await tx.reply(update, text(views(tx).t(locale, "controls.nothing_to_stop")))
        else:
            await tx.reply(update, views(tx).ask_stop(locale, found[1]))
    await answer(update.callback_query)


async def on_stop_chat(update: Update, ctx: StorelinkContext) -> None:
    """"Yes, stop" ends the link and tells the associate; "Keep chatting" changes nothing."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    choice = StopChat.unpack(query.data)
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        if choice is None or not choice.stop:
            found = await current_associate(tx.uow, tx.brand, update.effective_user.id)  # type: ignore[union-attr]
            associate = found[1] if found else None
            key = "controls.kept" if associate else "controls.nothing_to_stop"
            await tx.reply(update, text(views(tx).t(locale, key, **({"associate": associate.display_name} if associate else {}))))
        else:
            outcome = await stop_chat(tx.uow, tx.brand, update.effective_user.id, services.clock.now())  # type: ignore[union-attr]
            if isinstance(outcome, ChatStopped):
                await tx.reply(update, text(views(tx).t(locale, "controls.stopped", associate=outcome.associate.display_name)))
                await tx.notify_associate(outcome.associate, views(tx).stopped(outcome.associate, outcome.member))
            elif outcome is None:
                await tx.reply(update, text(services.member_views.t(locale, "member.not_a_member")))
            else:
                await tx.reply(update, text(views(tx).t(locale, "controls.nothing_to_stop")))
    await answer(query)
