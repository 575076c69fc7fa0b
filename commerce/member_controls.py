"""A member's own say over who they chat with: switch to another associate of their store,
or stop chatting with their associate.

Stopping ends the link (LinkReason.ENDED_BY_MEMBER) rather than pausing the chat consent:
the pause in /me keeps the associate and is undone with one tap; stopping means "not this
associate any more", so the associate loses the member from their lists and cannot write
to them. The brand's history stays with the member either way, and the member comes back
by choosing an associate (/switch) or scanning a code (enrollment relinks them).

Every choice arrives as button data a client can forge, so each is decided here again
from the database: the candidate must be an active associate of the member's own store
whose account has opened the staff bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.people import (
    Associate,
    AuditEntry,
    Brand,
    Link,
    LinkReason,
    Member,
    Store,
)
from commerce.ports.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Choices:
    """Whom the member may switch to: the active team of their store, but their own associate."""

    member: Member
    store: Store
    current: Associate | None
    team: Sequence[Associate]


@dataclass(frozen=True, slots=True)
class NoStore:
    """A member without a store (enrolled before stores, or the store is gone)."""

    member: Member


@dataclass(frozen=True, slots=True)
class Moved:
    member: Member
    previous: Associate | None  # None: they had stopped chatting and chose someone again
    associate: Associate
    store: Store


@dataclass(frozen=True, slots=True)
class AlreadyYours:
    associate: Associate


@dataclass(frozen=True, slots=True)
class Refused:
    """Not an active associate of the member's store (a forged or stale button)."""


@dataclass(frozen=True, slots=True)
class ChatStopped:
    member: Member
    associate: Associate


@dataclass(frozen=True, slots=True)
class NothingToStop:
    member: Member


# --- decisions from values ------------------------------------------------------------


def switch_team(team: Sequence[Associate], current: Associate | None) -> list[Associate]:
    """Who can take the member: active associates the staff bot can write to (their account
    opened it: otherwise the member's messages would reach nobody), not the current one."""
    return [a for a in team if a.reachable and (current is None or a.id != current.id)]


def may_switch_to(candidate: Associate | None, store: Store | None) -> bool:
    return candidate is not None and store is not None and candidate.store_id == store.id and candidate.reachable


# --- use cases, in the caller's transaction -------------------------------------------------


async def _member(uow: UnitOfWork, brand: Brand, telegram_user_id: int) -> Member | None:
    assert brand.id is not None
    return await uow.members.by_telegram_user(brand.id, telegram_user_id)


async def _current(uow: UnitOfWork, member: Member) -> tuple[Link | None, Associate | None]:
    assert member.id is not None
    link = await uow.links.current(member.id)
    return link, (await uow.associates.get(link.associate_id) if link else None)


async def _home_store(uow: UnitOfWork, brand: Brand, member: Member, current: Associate | None) -> Store | None:
    """The store of the member's associate, else the store they enrolled at."""
    store_id = current.store_id if current else member.store_id
    store = await uow.stores.get(store_id) if store_id is not None else None
    return store if store is not None and store.brand_id == brand.id else None


async def switch_choices(uow: UnitOfWork, brand: Brand, telegram_user_id: int) -> Choices | NoStore | None:
    """None: not a member."""
    member = await _member(uow, brand, telegram_user_id)
    if member is None:
        return None
    _, current = await _current(uow, member)
    store = await _home_store(uow, brand, member, current)
    if store is None or store.id is None:
        return NoStore(member)
    return Choices(member, store, current, switch_team(await uow.associates.list_by_store(store.id), current))


async def switch_to(uow: UnitOfWork, brand: Brand, telegram_user_id: int, associate_id: int, now: datetime) -> Moved | AlreadyYours | Refused:
    """Move the member to the associate they picked, recorded in the link history and the
    audit log. Choosing someone is asking to chat, so a paused chat is resumed."""
    member = await _member(uow, brand, telegram_user_id)
    if member is None or member.id is None:
        return Refused()
    link, current = await _current(uow, member)
    if current is not None and current.id == associate_id:
        return AlreadyYours(current)
    store = await _home_store(uow, brand, member, current)
    candidate = await uow.associates.get(associate_id)
    if not may_switch_to(candidate, store):
        return Refused()
    assert candidate is not None and candidate.id is not None and store is not None
    if link is not None and link.id is not None:
        await uow.links.end(link.id, now, LinkReason.SWITCHED_BY_MEMBER)
    await uow.links.add(Link(member_id=member.id, associate_id=candidate.id, started_at=now, reason=LinkReason.SWITCHED_BY_MEMBER))
    action = "link.switched" if current is not None else "link.resumed"
    await uow.audit.record(AuditEntry(at=now, actor=f"member:{member.id}", action=action, subject=f"associate:{candidate.id}",
                                      details={"from_associate_id": current.id if current else None, "reason": "member chose with /switch"}))
    if not member.consent_chat:
        member.consent_chat = True
        await uow.members.update(member)
        await uow.audit.record(AuditEntry(at=now, actor=f"member:{member.id}", action="consent.chat.granted", subject=f"member:{member.id}",
                                          details={"reason": "chose an associate"}))
    return Moved(member, current, candidate, store)


async def stop_chat(uow: UnitOfWork, brand: Brand, telegram_user_id: int, now: datetime) -> ChatStopped | NothingToStop | None:
    """End the member's link with their associate (None: not a member)."""
    member = await _member(uow, brand, telegram_user_id)
    if member is None or member.id is None:
        return None
    link, current = await _current(uow, member)
    if link is None or link.id is None or current is None:
        return NothingToStop(member)
    await uow.links.end(link.id, now, LinkReason.ENDED_BY_MEMBER)
    await uow.audit.record(AuditEntry(at=now, actor=f"member:{member.id}", action="link.ended", subject=f"associate:{current.id}",
                                      details={"reason": LinkReason.ENDED_BY_MEMBER.value}))
    return ChatStopped(member, current)


async def current_associate(uow: UnitOfWork, brand: Brand, telegram_user_id: int) -> tuple[Member, Associate | None] | None:
    """For the "stop chatting?" question: the member and whom they would stop chatting with."""
    member = await _member(uow, brand, telegram_user_id)
    if member is None:
        return None
    return member, (await _current(uow, member))[1]
