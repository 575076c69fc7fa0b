"""The member card (/me) and the consent buttons, in the consumer bot."""

from __future__ import annotations

import logging

from telegram import Update

from bot.interface.buttons import answer
from bot.interface.callbacks import ConsentChoice
from bot.interface.context import StorelinkContext
from bot.interface.guests import refuse_guest
from bot.interface.incoming import incoming_of
from bot.interface.render.base import Outgoing, text
from commerce.bots import BotKind
from commerce.member_messages import ContactShared, share_contact
from commerce.membership import member_card, set_consent

log = logging.getLogger("storelink.handlers")
CONSUMER = BotKind.CONSUMER
_CONFIRM = {("marketing", False): "member.marketing_now_off", ("marketing", True): "member.marketing_now_on",
            ("chat", False): "member.chat_now_off", ("chat", True): "member.chat_now_on"}


async def on_me(update: Update, ctx: StorelinkContext) -> None:
    """/me, or the "My membership" button."""
    services = ctx.services
    locale = services.locale(update)
    views = services.member_views
    async with services.transaction(CONSUMER, update) as tx:
        card = await member_card(tx.uow, tx.brand, update.effective_user.id, services.clock.now())  # type: ignore[union-attr]
        if card is None:
            await refuse_guest(tx, update, ctx)
        else:
            await tx.reply(update, views.card(card, locale))
    if update.callback_query:
        await answer(update.callback_query)


async def on_consent(update: Update, ctx: StorelinkContext) -> None:
    services = ctx.services
    query = update.callback_query
    assert query is not None
    choice = ConsentChoice.unpack(query.data)
    locale = services.locale(update)
    views = services.member_views
    # Data no button of ours carries (forged, or garbled): the button is what is wrong, not
    # the person's membership, so they hear that it is no longer valid.
    stale = choice is None or choice.kind not in ("marketing", "chat")
    async with services.transaction(CONSUMER, update) as tx:  # records the press as handled either way
        if stale or choice is None:
            log.info("a consent button with unknown data was pressed; nothing changed")
        elif (card := await set_consent(tx.uow, tx.brand, update.effective_user.id, kind=choice.kind,  # type: ignore[union-attr]
                                        allowed=choice.allowed, now=services.clock.now())) is None:
            await tx.reply(update, text(views.t(locale, "member.not_a_member")))
        else:
            await tx.reply(update, text(views.t(locale, _CONFIRM[(choice.kind, choice.allowed)])))
            if choice.kind == "chat" and card.associate is not None:
                key = "resumed_chat" if choice.allowed else "stopped_chat"
                await tx.notify_associate(card.associate, views.associate_notice(card.associate, key, card.member))
    await answer(query, views.t(locale, "member.stale_button") if stale else None, alert=stale)


async def on_contact(update: Update, ctx: StorelinkContext) -> None:
    """A shared contact card: the member's own phone, or a card for their associate."""
    services = ctx.services
    message = update.effective_message
    assert message is not None and message.contact is not None and update.effective_user is not None
    locale = services.locale(update)
    views = services.member_views
    async with services.transaction(CONSUMER, update) as tx:
        shared = await share_contact(tx.uow, tx.postbox, tx.brand, update.effective_user.id, message.contact.user_id,
                                     message.contact.phone_number, incoming_of(message, locale), services.clock.now(),
                                     pay_in_chat=services.invoicing is not None)
        if shared is ContactShared.NOT_YOURS:
            await tx.reply(update, text(views.t(locale, "enroll.phone_not_yours")))
        elif shared not in (ContactShared.RELAYED, ContactShared.CHECKOUT):
            body = views.t(locale, "enroll.phone_thanks" if shared is ContactShared.PHONE_KEPT else "member.not_a_member")
            await tx.reply(update, Outgoing("sendMessage", {"text": body, "parse_mode": "HTML", "reply_markup": {"remove_keyboard": True}}))


async def on_stop(update: Update, ctx: StorelinkContext) -> None:
    """/stop: no more marketing. The chat with the associate is a separate consent and
    stays as it is (a member pauses it from /me)."""
    services = ctx.services
    locale = services.locale(update)
    views = services.member_views
    async with services.transaction(CONSUMER, update) as tx:
        card = await set_consent(tx.uow, tx.brand, update.effective_user.id, kind="marketing", allowed=False, now=services.clock.now())  # type: ignore[union-attr]
        if card is None:
            await refuse_guest(tx, update, ctx)
        else:
            await tx.reply(update, text(views.t(locale, "member_controls.stopped")))
