"""Member state changes that do not come from the member's own words."""

from __future__ import annotations

from datetime import datetime

from commerce.model import AuditEntry
from commerce.ports.uow import UnitOfWork


async def mark_unreachable(uow: UnitOfWork, brand_id: int, telegram_user_id: int, at: datetime) -> bool:
    """Telegram said the member blocked the consumer bot: stop trying, keep the history.
    Marketing consent is withdrawn too (a block is the strongest 'no'); 1:1 chat consent
    stays as it was, so an unblock restores the associate chat without re-enrolling."""
    member = await uow.members.by_telegram_user(brand_id, telegram_user_id)
    if member is None or not member.reachable:
        return False
    member.reachable = False
    await uow.audit.record(AuditEntry(at=at, actor="system", action="member.unreachable", subject=f"member:{member.id}"))
    if member.consent_marketing:
        member.consent_marketing = False
        await uow.audit.record(
            AuditEntry(at=at, actor="system", action="consent.marketing.withdrawn", subject=f"member:{member.id}", details={"reason": "blocked the bot"})
        )
    await uow.members.update(member)
    return True


async def mark_reachable(uow: UnitOfWork, brand_id: int, telegram_user_id: int, at: datetime) -> bool:
    """The member unblocked the bot (or wrote again)."""
    member = await uow.members.by_telegram_user(brand_id, telegram_user_id)
    if member is None or member.reachable:
        return False
    member.reachable = True
    await uow.members.update(member)
    await uow.audit.record(AuditEntry(at=at, actor="system", action="member.reachable", subject=f"member:{member.id}"))
    return True
