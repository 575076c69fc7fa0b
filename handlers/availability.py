"""Availability in the associate bot (/hours, /away, /back), the store team's Claim
button and a manager's /escalations."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import MaybeInaccessibleMessage, Message, Update

from bot.interface.callbacks import ClaimEscalation
from bot.interface.context import UpdateTransaction
from bot.interface.render.base import TEXT_LIMIT, Outgoing, fit, plain
from bot.interface.render.availability import AvailabilityRenderer, toast
from bot.interface.staff import argument, staff_button, staff_command
from commerce.access import Staff
from commerce.availability import (
    AwayError,
    availability_of,
    parse_away,
    presence,
    set_away,
    set_hours,
    working_hours,
)
from commerce.claims import claim_escalation
from commerce.escalation import Claimed, Refusal, open_escalations
from commerce.hours import HoursError, parse_hours
from commerce.bots import BotKind

log = logging.getLogger("storelink.availability")
ASSOCIATE = BotKind.ASSOCIATE
CLEAR_WORDS = {"off", "clear", "reset", "none", "store"}


def views(tx: UpdateTransaction) -> AvailabilityRenderer:
    return AvailabilityRenderer(tx.services.catalog)


# --- /hours, /away, /back -----------------------------------------------------------------


@staff_command
async def on_hours(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/hours shows; /hours <hours> sets the associate's own; /hours off follows the store's."""
    associate, store, written = staff.associate, staff.store, argument(update)
    now = tx.services.clock.now()
    if not written:
        availability = await availability_of(tx.uow, associate)
        state = presence(availability, store, now)
        await tx.reply(update, views(tx).status(locale, availability, working_hours(availability, store), store, state, now))
    elif written.lower() in CLEAR_WORDS:
        availability = await set_hours(tx.uow, associate, None, now)
        await tx.reply(update, views(tx).hours_cleared(locale, working_hours(availability, store), store))
    else:
        try:
            hours = parse_hours(written)
        except HoursError as error:
            await tx.reply(update, views(tx).hours_error(locale, error.fragment, store))
            return
        availability = await set_hours(tx.uow, associate, hours, now)
        await tx.reply(update, views(tx).hours_set(locale, hours, store, presence(availability, store, now), now))


@staff_command
async def on_away(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/away <until> [note]: members who write meanwhile get an auto-reply."""
    services, associate, store, written = tx.services, staff.associate, staff.store, argument(update)
    now = services.clock.now()
    hours = working_hours(await availability_of(tx.uow, associate), store)
    try:
        request = parse_away(written, now, ZoneInfo(store.timezone), hours)
    except AwayError as error:
        log.info("associate %s: /away refused (%s%s)", associate.id, error.reason,
                 f", {error.length} characters" if error.length is not None else "")
        await tx.reply(update, views(tx).away_error(locale, error if written else None, store))
        return
    availability, _ = await set_away(tx.uow, associate, request, now)
    # The brand as read in this transaction: HQ may change the auto-reply window any time.
    await tx.reply(update, views(tx).away_set(locale, availability, store, tx.brand.auto_reply_hours, now))


@staff_command
async def on_back(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/back: away no more (members who write get no away notice)."""
    _, was_away = await set_away(tx.uow, staff.associate, None, tx.services.clock.now())
    await tx.reply(update, views(tx).back(locale, was_away))


# --- the store team: claiming and answering ---------------------------------------------------


def _not_claimable(tx: UpdateTransaction, locale: str) -> str:
    return toast(views(tx).refusal(locale, Refusal.NOT_FOUND, None, None))


@staff_button(ClaimEscalation, _not_claimable)
async def on_claim(tx: UpdateTransaction, update: Update, staff: Staff, data: ClaimEscalation, locale: str) -> str:
    """✋ Claim on an escalation card: the first presser wins; the others are told who did."""
    query = update.callback_query
    assert query is not None
    message_id = query.message.message_id if query.message else None
    result = await claim_escalation(tx.uow, tx.postbox, staff.associate, data.escalation_id, message_id, locale,
                                    tx.services.clock.now())
    if isinstance(result, Claimed):
        return toast(views(tx).claimed(locale, result.member))
    notice = views(tx).refusal(locale, result.reason, result.member, result.claimer)
    if result.reason in (Refusal.TAKEN, Refusal.DONE) and message_id is not None and not _shows(query.message, notice):
        await tx.reply(update, _edit(message_id, notice))  # the card no longer offers the button
    return toast(notice)


def _shows(card: MaybeInaccessibleMessage | None, notice: str) -> bool:
    """The card says `notice` already, with no button left: a press that came after the same
    refusal (pressed again, or a client that kept the old button). Telegram refuses an edit
    that changes nothing ("message is not modified"), so none is sent."""
    return (isinstance(card, Message) and card.text == plain(notice).strip()
            and not (card.reply_markup and card.reply_markup.inline_keyboard))


def _edit(message_id: int, body: str) -> Outgoing:
    return Outgoing("editMessageText", {"message_id": message_id, "text": fit(body, TEXT_LIMIT), "parse_mode": "HTML"})


# --- managers -------------------------------------------------------------------------------------


@staff_command
async def on_escalations(tx: UpdateTransaction, update: Update, staff: Staff, locale: str) -> None:
    """/escalations: a store manager's open and claimed-but-unanswered escalations."""
    items = await open_escalations(tx.uow, staff.associate)
    if items is None:
        await tx.reply(update, views(tx).not_manager(locale))
    else:
        await tx.reply(update, views(tx).escalations(locale, staff.store, items, tx.services.clock.now()))

