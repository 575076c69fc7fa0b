"""Escalations, claimed and answered: a teammate takes a member's escalation from its Claim
card, and what an associate's message to a member does to that member's escalations; the
teammates' Claim cards say so.

A card is a message in a teammate's chat, named by the outbox row that delivered it; it
is edited in place, never sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from commerce.availability import EscalationStatus, NoticeKind
from commerce.escalation import Claimed, ClaimRefused, after_answer, claim, remember
from commerce.messages import CardClaimed, CardClosed, CardTaken, Content, EscalationAnswered, Outbound, Postbox
from commerce.bots import BotKind
from commerce.outbox import OutboxPurpose
from commerce.people import Associate, AssociateStatus, Member
from commerce.ports.uow import UnitOfWork
from commerce.relay import member_history

ASSOCIATE = BotKind.ASSOCIATE


async def claim_escalation(uow: UnitOfWork, postbox: Postbox, presser: Associate, escalation_id: int,
                           card_message_id: int | None, locale: str, now: datetime) -> Claimed | ClaimRefused:
    """✋ Claim on an escalation card (Telegram message `card_message_id` of the presser's
    chat, if known): the first presser wins. Their card says so and the member's history
    follows it (a reply to either answers the member); the other cards say who took it.
    A refusal changes nothing: the caller tells the presser why."""
    result = await claim(uow, presser, escalation_id, now)
    if not isinstance(result, Claimed):
        return result
    assert presser.telegram_user_id is not None and presser.id is not None and result.escalation.id is not None
    to_presser = lambda body: Outbound(ASSOCIATE, presser.telegram_user_id, body)  # noqa: E731
    if card_message_id is not None:
        await postbox.post(to_presser(CardClaimed(locale, card_message_id, result.member)))
    history_id = await postbox.post(to_presser(await member_history(uow, result.member, locale)))
    await remember(uow, result.escalation, presser, history_id, NoticeKind.HISTORY)
    await edit_other_cards(uow, postbox, result.escalation.id, presser.id,
                           lambda teammate, card_id: CardTaken(teammate, card_id, result.member, presser))
    return result


async def settle_answer(uow: UnitOfWork, postbox: Postbox, member: Member, by: Associate, content: Content,
                        now: datetime) -> None:
    """After an associate's message to a member was queued: the member's escalations are
    answered (the owner hears what the claimer said) or closed (the open cards say so)."""
    for settled in await after_answer(uow, member, by, now):
        owner = settled.owner
        if settled.status is EscalationStatus.ANSWERED and owner is not None and owner.telegram_user_id is not None:
            await postbox.post(Outbound(ASSOCIATE, owner.telegram_user_id, EscalationAnswered(owner, member, by, content),
                                        OutboxPurpose.NOTICE))
        elif settled.status is EscalationStatus.CLOSED and settled.escalation.claimed_by is None and owner is not None:
            assert settled.escalation.id is not None
            closed_by = owner
            await edit_other_cards(uow, postbox, settled.escalation.id, None,
                                   lambda teammate, card_id: CardClosed(teammate, card_id, member, closed_by))


async def edit_other_cards(uow: UnitOfWork, postbox: Postbox, escalation_id: int, but: int | None,
                           body: Callable[[Associate, int], object]) -> None:
    """Teammates' Claim cards (but `but`'s), edited in place to say what happened. A
    teammate deactivated since, or whose account was unbound, is left alone: the staff bot
    no longer knows them, and the chat may be someone else's now."""
    for card in await uow.escalations.notices(escalation_id):
        if card.kind is not NoticeKind.CARD or card.associate_id == but:
            continue
        teammate = await uow.associates.get(card.associate_id)
        if teammate is None or teammate.status is not AssociateStatus.ACTIVE:
            continue
        copy = await uow.outbox.get(card.outbox_id)
        if copy is not None and copy.chat_id == teammate.telegram_user_id:
            await postbox.post(Outbound(ASSOCIATE, copy.chat_id, body(teammate, card.outbox_id), OutboxPurpose.NOTICE))
