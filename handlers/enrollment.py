"""The consumer bot's side of one scan: /start <code>, short codes, pickers, switching."""

from __future__ import annotations

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import PickAssociate, PickStore, SwitchChoice
from bot.interface.context import StorelinkContext, UpdateTransaction
from bot.interface.incoming import incoming_of
from bot.interface.render.base import TEXT_LIMIT, Outgoing, fit, text
from commerce.codes import parse_start_payload
from commerce.enrollment import (
    AskForCode,
    AssociateUnavailable,
    Enrolled,
    InvalidCode,
    Kept,
    OwnCode,
    ScanResult,
    Scanner,
    SwitchOffered,
    Switched,
    UnknownShortCode,
    WelcomeBack,
    ask_for_code,
    choose_associate,
    pick_associate,
    scan_code,
    scan_short_code,
    store_team,
)
from commerce.identity import identify
from commerce.member_messages import relay_member_text
from commerce.bots import BotKind, Role

CONSUMER = BotKind.CONSUMER


def scanner_of(update: Update) -> Scanner:
    user = update.effective_user
    assert user is not None
    return Scanner(user.id, user.first_name, user.last_name, user.username, user.language_code)


async def on_consumer_start(update: Update, ctx: StorelinkContext) -> None:
    """/start with an enrollment code from a poster, or without one (some desktop clients
    drop the payload): then the person can type the short code or pick a store."""
    services = ctx.services
    locale = services.locale(update)
    views = services.member_views
    payload = ctx.args[0] if ctx.args else ""
    async with services.transaction(CONSUMER, update) as tx:
        if payload:
            kind, code = parse_start_payload(payload)
            if kind == "enroll":
                result = await scan_code(tx.uow, tx.brand, code, services.signing_keys, scanner_of(update), services.clock.now())
            else:
                result = InvalidCode()
            await deliver(tx, update, result, locale)
            return
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is Role.MEMBER:
            await tx.reply(update, services.render.consumer_start(who, locale))
        else:
            await tx.reply(update, views.ask_code(list((await ask_for_code(tx.uow, services.brand.id)).stores), locale))  # type: ignore[arg-type]


async def on_consumer_text(update: Update, ctx: StorelinkContext) -> None:
    """A member's text is for their associate (the relay); from someone who is not a
    member yet, it may be an associate's short code."""
    services = ctx.services
    locale = services.locale(update)
    views = services.member_views
    message = update.effective_message
    assert message is not None
    async with services.transaction(CONSUMER, update) as tx:
        who = await identify(tx.uow, CONSUMER, services.brand.id, update.effective_user.id)  # type: ignore[arg-type, union-attr]
        if who.role is Role.MEMBER and who.member is not None:
            await relay_member_text(tx.uow, tx.postbox, who.member, incoming_of(message, locale), tx.brand.id,  # type: ignore[arg-type]
                                    services.clock.now(), views.t(locale, "enroll.phone_skip"), who,
                                    pay_in_chat=services.invoicing is not None)
            return
        result = await scan_short_code(tx.uow, tx.brand, (message.text or "").strip(), scanner_of(update), services.clock.now())
        if isinstance(result, UnknownShortCode):
            await tx.reply(update, text(views.t(locale, "enroll.unknown_short_code", code=result.code)))
        elif isinstance(result, AskForCode):
            await tx.reply(update, views.ask_code(list(result.stores), locale))
        else:
            await deliver(tx, update, result, locale)


async def on_pick_store(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    query = update.callback_query
    choice = PickStore.unpack(query.data if query else None)
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        found = await store_team(tx.uow, tx.brand, choice.store_id) if choice else None
        if found is not None:
            await tx.reply(update, services.member_views.pick_associate(*found, locale))
    await answer(query)


async def on_pick_associate(update: Update, ctx: StorelinkContext) -> None:
    """Picking from the store's list is as good as typing the associate's short code."""
    services = ctx.services
    query = update.callback_query
    choice = PickAssociate.unpack(query.data if query else None)
    locale = services.locale(update)
    async with services.transaction(CONSUMER, update) as tx:
        result = await pick_associate(tx.uow, tx.brand, choice.associate_id, scanner_of(update), services.clock.now()) if choice else None
        if result is not None:
            await deliver(tx, update, result, locale)
    await answer(query)


async def on_switch_choice(update: Update, ctx: StorelinkContext) -> None:
    """"Keep X / switch to Y". The button's data is re-checked against this member's scans."""
    services = ctx.services
    query = update.callback_query
    assert query is not None
    choice = SwitchChoice.unpack(query.data)
    locale = services.locale(update)
    views = services.member_views
    refused = False
    async with services.transaction(CONSUMER, update) as tx:
        if choice is None:
            refused = True
        else:
            outcome = await choose_associate(tx.uow, tx.brand, update.effective_user.id, choice.associate_id, choice.switch, services.clock.now())  # type: ignore[union-attr]
            if isinstance(outcome, Switched):
                await tx.reply(update, _edit(query, views.t(locale, "enroll.switched", associate=outcome.associate.display_name, store=outcome.store.name)))
                await tx.notify_associate(outcome.associate, views.associate_notice(outcome.associate, "switched_in", outcome.member, previous=outcome.previous.display_name))
                await tx.notify_associate(outcome.previous, views.associate_notice(outcome.previous, "switched_out", outcome.member, associate=outcome.associate.display_name))
            elif isinstance(outcome, Kept):
                await tx.reply(update, _edit(query, views.t(locale, "enroll.kept", associate=outcome.associate.display_name)))
            else:
                refused = True
    await answer(query, views.t(locale, "enroll.switch_refused") if refused else None, alert=refused)


def _edit(query, body: str) -> Outgoing:  # noqa: ANN001
    return Outgoing("editMessageText", {"message_id": query.message.message_id, "text": fit(body, TEXT_LIMIT), "parse_mode": "HTML"})


async def deliver(tx: UpdateTransaction, update: Update, result: ScanResult, locale: str) -> None:
    """Render a scan's result to the person and, for a new member, to their associate."""
    views = tx.member_views
    if isinstance(result, Enrolled):
        for message in views.welcome(result, locale):
            await tx.reply(update, message)
        await tx.notify_associate(result.associate, views.new_member_notice(result))
    elif isinstance(result, WelcomeBack):
        await tx.reply(update, views.welcome_back(result, locale))
    elif isinstance(result, SwitchOffered):
        await tx.reply(update, views.switch_offer(result, locale))
    elif isinstance(result, OwnCode):
        await tx.reply(update, text(views.t(locale, "enroll.own_code", associate=result.associate.display_name)))
    elif isinstance(result, AssociateUnavailable):
        await tx.reply(update, views.unavailable(result, locale))
    else:
        await tx.reply(update, text(views.t(locale, "enroll.invalid_code")))
