"""A member's standing with the brand: consent, given and withdrawn for the 1:1 chat with
their associate and for brand marketing, each on its own; and state changes that do not
come from the member's own words (a member who blocked the bot is unreachable)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.people import Associate, AuditEntry, Brand, Member, Store
from commerce.ports.uow import UnitOfWork
from commerce.rewards import Coupon


@dataclass(frozen=True, slots=True)
class MemberCard:
    member: Member
    store: Store | None
    associate: Associate | None
    coupons: Sequence[Coupon]


async def member_card(uow: UnitOfWork, brand: Brand, telegram_user_id: int, now: datetime) -> MemberCard | None:
    assert brand.id is not None
    member = await uow.members.by_telegram_user(brand.id, telegram_user_id)
    if member is None or member.id is None:
        return None
    link = await uow.links.current(member.id)
    associate = await uow.associates.get(link.associate_id) if link else None
    store = await uow.stores.get(member.store_id) if member.store_id else None
    coupons = [c for c in await uow.rewards.coupons_of(member.id) if c.redeemed_at is None and c.expires_at > now]
    return MemberCard(member, store, associate, coupons)


async def set_consent(uow: UnitOfWork, brand: Brand, telegram_user_id: int, *, kind: str, allowed: bool, now: datetime) -> MemberCard | None:
    """kind is "marketing" or "chat". Recorded in the audit log with its time: consent
    must be provable, so a change is never a silent overwrite."""
    card = await member_card(uow, brand, telegram_user_id, now)
    if card is None:
        return None
    member = card.member
    if kind == "marketing":
        member.consent_marketing = allowed
    elif kind == "chat":
        member.consent_chat = allowed
    else:
        raise ValueError(f"unknown consent {kind}")
    await uow.members.update(member)
    await uow.audit.record(
        AuditEntry(at=now, actor=f"member:{member.id}", action=f"consent.{kind}.{'granted' if allowed else 'withdrawn'}", subject=f"member:{member.id}")
    )
    return card


async def attach_phone(uow: UnitOfWork, brand: Brand, telegram_user_id: int, phone: str, now: datetime) -> Member | None:
    """The member shared their own number (for CRM matching). The audit entry says that it
    happened, never the number."""
    assert brand.id is not None
    member = await uow.members.by_telegram_user(brand.id, telegram_user_id)
    if member is None:
        return None
    member.phone = phone[:32]
    await uow.members.update(member)
    await uow.audit.record(AuditEntry(at=now, actor=f"member:{member.id}", action="member.phone_shared", subject=f"member:{member.id}"))
    return member



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
