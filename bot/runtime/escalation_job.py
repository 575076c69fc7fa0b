"""The escalation job: every minute, members left unanswered too long (store open) are
handed to the rest of their store team (those the staff bot can write to); the member's
associate is told whether anyone could be asked.

Each member is escalated in a transaction of its own, so one failure stops nobody else.
Every process runs the job; the database decides: an escalation is unique per run of
unanswered messages and per member while open, so when two processes find the same
member at once, the second one's insert fails and it sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.interface.context import Services
from bot.interface.render.availability import AvailabilityRenderer
from commerce.availability import NoticeKind
from commerce.escalation import Due, find_due, open_escalation, out_of_reach, remember, team_for
from commerce.bots import BotKind
from commerce.outbox import OutboxPurpose

log = logging.getLogger("storelink.escalations")
ASSOCIATE = BotKind.ASSOCIATE


@dataclass(frozen=True, slots=True)
class EscalationRun:
    escalated: int  # escalations opened by this run
    cards: int  # Claim cards sent to teammates


async def escalate_due(services: Services, now: datetime) -> EscalationRun:
    """Open the escalations due at `now` and send their cards (tests pass `now` in)."""
    brand_id = services.brand.id
    assert brand_id is not None
    async with services.uow() as uow:
        brand = await uow.brands.get(brand_id) or services.brand
        due = await find_due(uow, brand, now)
    escalated = cards = 0
    for item in due:
        try:
            sent = await _escalate(services, item, now)
        except Exception:
            log.exception("escalating member %s failed", item.member.id)
            continue
        if sent is not None:
            escalated, cards = escalated + 1, cards + sent
    if escalated:
        log.info("escalated %d members to their store teams (%d cards)", escalated, cards)
    return EscalationRun(escalated, cards)


async def _escalate(services: Services, due: Due, now: datetime) -> int | None:
    view = AvailabilityRenderer(services.catalog)
    async with services.transaction(ASSOCIATE) as tx:
        escalation = await open_escalation(tx.uow, due, now)
        if escalation is None:
            return None  # another process did it (its insert won; ours was undone in a savepoint)
        associates = await tx.uow.associates.list_by_store(due.store.id)  # type: ignore[arg-type]
        team, missed = team_for(escalation, associates), out_of_reach(escalation, associates)
        for teammate in team:
            assert teammate.telegram_user_id is not None
            card = view.card(teammate.locale, escalation, due.member, due.associate, due.store, due.messages, now)
            outbox = await tx.send(ASSOCIATE, teammate.telegram_user_id, card, purpose=OutboxPurpose.NOTICE)
            await remember(tx.uow, escalation, teammate, outbox.id, NoticeKind.CARD)
        owner = due.associate
        if not team:
            log.info("escalation %s: nobody else at store %s could be asked (%d teammates out of the staff bot's reach)",
                     escalation.id, due.store.id, len(missed))
        if owner.reachable:
            assert owner.telegram_user_id is not None
            note = view.owner_note(owner.locale, due.member, due.store, now - due.waiting.first_at, alone=not team,
                                   missed=missed)
            outbox = await tx.send(ASSOCIATE, owner.telegram_user_id, note, purpose=OutboxPurpose.NOTICE)
            await remember(tx.uow, escalation, owner, outbox.id, NoticeKind.OWNER)
    return len(team)
