"""One scan: a person becomes a member, linked to the associate whose code they scanned.

`scan_code` decides and writes everything in the caller's transaction: the member with
their consent, the link, the enrollment reward and the scan record. The shell renders
the welcome, the associate's notification and the offers from the returned result.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from commerce.codes import normalise_short_code, verify_enrollment_code
from commerce.people import (
    Associate,
    AssociateStatus,
    AuditEntry,
    Brand,
    Link,
    LinkReason,
    Member,
    Store,
)
from commerce.ports.uow import DuplicateError, UnitOfWork
from commerce.rewards import Coupon, Scan, ScanOutcome

COUPON_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class Scanner:
    """The person behind a /start, as Telegram describes them."""

    telegram_user_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Enrolled:
    member: Member
    associate: Associate
    store: Store
    coupon: Coupon | None


@dataclass(frozen=True, slots=True)
class WelcomeBack:
    member: Member
    associate: Associate
    store: Store
    relinked: bool = False  # had no associate (stopped chatting) and now has this one again


@dataclass(frozen=True, slots=True)
class SwitchOffered:
    """A linked member scanned another associate's code: ask, never re-bind silently."""

    member: Member
    current: Associate
    current_store: Store
    candidate: Associate
    candidate_store: Store


@dataclass(frozen=True, slots=True)
class OwnCode:
    """An associate scanned their own code (testing their poster)."""

    associate: Associate


@dataclass(frozen=True, slots=True)
class AssociateUnavailable:
    """The code's associate no longer enrols; the store's team can."""

    associate: Associate
    store: Store
    team: Sequence[Associate]


@dataclass(frozen=True, slots=True)
class InvalidCode:
    pass


ScanResult = Enrolled | WelcomeBack | SwitchOffered | OwnCode | AssociateUnavailable | InvalidCode


def coupon_code(prefix: str, random_choice: Callable[[str], str] = secrets.choice) -> str:
    return f"{prefix}-" + "".join(random_choice(COUPON_ALPHABET) for _ in range(8))


async def scan_code(uow: UnitOfWork, brand: Brand, code: str, keys: Sequence[bytes], scanner: Scanner, now: datetime) -> ScanResult:
    """A signed code from a poster. Tampered and unknown codes create nothing but a scan row."""
    associate_id = verify_enrollment_code(code, keys)
    associate = await uow.associates.get(associate_id) if associate_id is not None else None
    if associate is None:
        await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.INVALID))
        return InvalidCode()
    return await scan_associate(uow, brand, associate, scanner, now)


async def scan_associate(uow: UnitOfWork, brand: Brand, associate: Associate, scanner: Scanner, now: datetime) -> ScanResult:
    """The same decision for an associate found by short code or picked from the store list."""
    assert brand.id is not None and associate.id is not None
    store = await uow.stores.get(associate.store_id)
    assert store is not None
    if associate.telegram_user_id == scanner.telegram_user_id:
        await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.SELF_SCAN, associate.id))
        return OwnCode(associate)
    member = await uow.members.by_telegram_user(brand.id, scanner.telegram_user_id)
    if associate.status is not AssociateStatus.ACTIVE:
        await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.DEACTIVATED, associate.id, member.id if member else None))
        team = [a for a in await uow.associates.list_by_store(store.id) if a.status is AssociateStatus.ACTIVE]  # type: ignore[arg-type]
        return AssociateUnavailable(associate, store, team)
    if member is None:
        try:
            return await _enroll(uow, brand, associate, store, scanner, now)
        except DuplicateError:  # a concurrent scan by the same person enrolled them first
            member = await uow.members.by_telegram_user(brand.id, scanner.telegram_user_id)
            assert member is not None
    return await _rescan(uow, member, associate, store, scanner, now)


async def _enroll(uow: UnitOfWork, brand: Brand, associate: Associate, store: Store, scanner: Scanner, now: datetime) -> Enrolled:
    assert brand.id is not None and associate.id is not None
    member = await uow.members.add(
        Member(
            brand_id=brand.id,
            telegram_user_id=scanner.telegram_user_id,
            first_name=scanner.first_name,
            last_name=scanner.last_name,
            username=scanner.username,
            language_code=scanner.language_code,
            store_id=store.id,
            source_associate_id=associate.id,
            enrolled_at=now,
            consent_chat=True,  # the point of scanning an associate's code
            consent_marketing=True,  # opted in with the enrollment; the welcome offers a one-tap "no"
        )
    )
    assert member.id is not None
    await uow.links.add(Link(member_id=member.id, associate_id=associate.id, started_at=now, reason=LinkReason.ENROLLED))
    coupon = await _issue_reward(uow, brand.id, member.id, now)
    await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.ENROLLED, associate.id, member.id))
    await uow.audit.record(
        AuditEntry(at=now, actor=f"member:{member.id}", action="member.enrolled", subject=f"associate:{associate.id}",
                   details={"store_id": store.id, "coupon": coupon.code if coupon else None, "consent_chat": True, "consent_marketing": True})
    )
    return Enrolled(member, associate, store, coupon)


async def _issue_reward(uow: UnitOfWork, brand_id: int, member_id: int, now: datetime) -> Coupon | None:
    rule = await uow.rewards.active_rule(brand_id)
    if rule is None or rule.id is None:
        return None
    for _ in range(5):  # 31**8 codes: a clash is rare, and retried
        try:
            return await uow.rewards.add_coupon(
                Coupon(member_id=member_id, rule_id=rule.id, code=coupon_code(rule.code_prefix), percent_off=rule.percent_off,
                       issued_at=now, expires_at=now + timedelta(days=rule.valid_days))
            )
        except DuplicateError:
            continue
    raise RuntimeError("could not issue a unique coupon code")


async def _rescan(uow: UnitOfWork, member: Member, associate: Associate, store: Store, scanner: Scanner, now: datetime) -> ScanResult:
    assert member.id is not None and associate.id is not None
    if not member.reachable:  # they blocked the bot once; scanning again is talking again
        member.reachable = True
        await uow.members.update(member)
    link = await uow.links.current(member.id)
    if link is None:
        await uow.links.add(Link(member_id=member.id, associate_id=associate.id, started_at=now, reason=LinkReason.SWITCHED_BY_MEMBER))
        await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.RESCANNED, associate.id, member.id))
        await uow.audit.record(AuditEntry(at=now, actor=f"member:{member.id}", action="link.resumed", subject=f"associate:{associate.id}"))
        return WelcomeBack(member, associate, store, relinked=True)
    if link.associate_id == associate.id:
        await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.RESCANNED, associate.id, member.id))
        return WelcomeBack(member, associate, store)
    await uow.scans.add(Scan(scanner.telegram_user_id, now, ScanOutcome.OTHER_ASSOCIATE, associate.id, member.id))
    current = await uow.associates.get(link.associate_id)
    assert current is not None
    current_store = await uow.stores.get(current.store_id)
    assert current_store is not None
    return SwitchOffered(member, current, current_store, associate, store)


@dataclass(frozen=True, slots=True)
class UnknownShortCode:
    """Typed text that looks like a short code, but no associate has it."""

    code: str


@dataclass(frozen=True, slots=True)
class AskForCode:
    """Nothing that could be a code (or a /start without one): the person may type an
    associate's short code or pick one of the brand's stores."""

    stores: Sequence[Store]


async def ask_for_code(uow: UnitOfWork, brand_id: int) -> AskForCode:
    return AskForCode(list(await uow.stores.list(brand_id)))


async def scan_short_code(uow: UnitOfWork, brand: Brand, typed: str, scanner: Scanner,
                          now: datetime) -> ScanResult | UnknownShortCode | AskForCode:
    """Someone who is not a member yet typed text: an associate's short code is as good as
    scanning their poster."""
    short = normalise_short_code(typed)
    associate = await uow.associates.by_short_code(short) if short else None
    if associate is not None:
        return await scan_associate(uow, brand, associate, scanner, now)
    if short:
        return UnknownShortCode(short)
    assert brand.id is not None
    return await ask_for_code(uow, brand.id)


async def store_team(uow: UnitOfWork, brand: Brand, store_id: int) -> tuple[Store, list[Associate]] | None:
    """A store of this brand and its associates who take new members, for the picker."""
    store = await uow.stores.get(store_id)
    if store is None or store.id is None or store.brand_id != brand.id:
        return None
    team = [a for a in await uow.associates.list_by_store(store.id) if a.status is AssociateStatus.ACTIVE]
    return store, team


async def pick_associate(uow: UnitOfWork, brand: Brand, associate_id: int, scanner: Scanner, now: datetime) -> ScanResult | None:
    """Joining by picking an associate from a store's list (when the code was dropped or the
    code's associate left). Picking is for joining only: a member who has an associate
    switches by scanning the other associate's code, so a forged pick cannot move them."""
    associate = await uow.associates.get(associate_id)
    store = await uow.stores.get(associate.store_id) if associate else None
    if associate is None or store is None or store.brand_id != brand.id:
        return None
    assert brand.id is not None
    member = await uow.members.by_telegram_user(brand.id, scanner.telegram_user_id)
    if member is not None and member.id is not None:
        link = await uow.links.current(member.id)
        current = await uow.associates.get(link.associate_id) if link else None
        if current is not None and current.id != associate.id:
            current_store = await uow.stores.get(current.store_id)
            assert current_store is not None
            return WelcomeBack(member, current, current_store)
    return await scan_associate(uow, brand, associate, scanner, now)


@dataclass(frozen=True, slots=True)
class Switched:
    member: Member
    previous: Associate
    associate: Associate
    store: Store


@dataclass(frozen=True, slots=True)
class Kept:
    member: Member
    associate: Associate


@dataclass(frozen=True, slots=True)
class SwitchRefused:
    """The choice does not match a scan this member made (forged or stale button)."""


async def choose_associate(uow: UnitOfWork, brand: Brand, telegram_user_id: int, candidate_id: int, switch: bool, now: datetime) -> Switched | Kept | SwitchRefused:
    """The member's answer to "keep X / switch to Y". Button data comes from the client, so
    the choice must match a scan of that associate's code by this very member, and the
    candidate must still be active."""
    assert brand.id is not None
    member = await uow.members.by_telegram_user(brand.id, telegram_user_id)
    if member is None or member.id is None:
        return SwitchRefused()
    scanned = any(s.associate_id == candidate_id and s.outcome is ScanOutcome.OTHER_ASSOCIATE for s in await uow.scans.of_user(telegram_user_id))
    link = await uow.links.current(member.id)
    if not scanned or link is None:
        return SwitchRefused()
    current = await uow.associates.get(link.associate_id)
    assert current is not None
    if not switch or link.associate_id == candidate_id:
        return Kept(member, current)
    candidate = await uow.associates.get(candidate_id)
    if candidate is None or candidate.status is not AssociateStatus.ACTIVE:
        return SwitchRefused()
    assert link.id is not None
    await uow.links.end(link.id, now, LinkReason.SWITCHED_BY_MEMBER)
    await uow.links.add(Link(member_id=member.id, associate_id=candidate_id, started_at=now, reason=LinkReason.SWITCHED_BY_MEMBER))
    await uow.audit.record(
        AuditEntry(at=now, actor=f"member:{member.id}", action="link.switched", subject=f"associate:{candidate_id}",
                   details={"from_associate_id": current.id, "reason": "member confirmed after scanning the new associate's code"})
    )
    store = await uow.stores.get(candidate.store_id)
    assert store is not None
    return Switched(member, current, candidate, store)
