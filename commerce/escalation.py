"""Escalation: a member's message left unanswered goes to the rest of the store team.

A run of unanswered messages (everything a member wrote since the last answer anyone
gave them) is escalated once, when the first of them has waited the brand's
`escalation_minutes` counted in the store's open hours and the store is open now. The
other active associates of the store who have opened the staff bot get a card with a
Claim button (the bot cannot write to anyone else); the first to press
it wins (an atomic claim in storage), answers by replying to it under their own name,
and the link never changes. The member's own associate answering closes the escalation.

Decisions are made from values (`escalation_due`, `check_claim`, `check_claimed_reply`);
the async functions load those values in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commerce.access import is_manager
from commerce.availability import UNANSWERED, Escalation, EscalationNotice, EscalationStatus, NoticeKind, Waiting
from commerce.hours import ALWAYS, HoursError, WeeklyHours, is_open, open_seconds, parse_hours
from commerce.conversations import ConversationMessage, Direction, MessageKind
from commerce.people import Associate, AssociateStatus, Brand, Link, Member, Store
from commerce.ports.uow import DuplicateError, UnitOfWork
from commerce.relay import MemberPaused, NotYourMember, ReplyTo

# Messages older than this are not escalated any more: after a week, the team's card
# would only be noise (and the first run after an upgrade must not page everyone).
HORIZON = timedelta(days=7)
BATCH = 200  # waiting members read at a time
MOST = 5000  # waiting members looked at per run (members of closed stores wait in the list too)
CARD_MESSAGES = 5  # the newest unanswered messages shown on a card


def store_hours(store: Store) -> WeeklyHours:
    try:
        return parse_hours(store.hours or "")
    except HoursError:
        return ALWAYS  # unreadable hours never stop an escalation


def escalation_due(store: Store, first_at: datetime, now: datetime, minutes: int) -> bool:
    """Due when the store is open now and was open for `minutes` since the message: a
    message written at closing time escalates after the next opening, not overnight."""
    if minutes <= 0:
        return False
    zone, hours = ZoneInfo(store.timezone), store_hours(store)
    return is_open(hours, now, zone) and open_seconds(hours, first_at, now, zone) >= minutes * 60


@dataclass(frozen=True, slots=True)
class Due:
    """A member to escalate now, with what they wrote since the last answer (oldest first)."""

    member: Member
    associate: Associate  # their associate, who did not answer
    store: Store
    waiting: Waiting
    messages: Sequence[ConversationMessage]


async def find_due(uow: UnitOfWork, brand: Brand, now: datetime) -> list[Due]:
    minutes = brand.escalation_minutes
    if minutes <= 0:
        return []
    found = []
    for waiting in await _all_waiting(uow, now - HORIZON, now - timedelta(minutes=minutes)):
        member = await uow.members.get(waiting.member_id)
        link = await uow.links.current(waiting.member_id)
        associate = await uow.associates.get(link.associate_id) if link else None
        store = await uow.stores.get(associate.store_id) if associate else None
        if (member is None or associate is None or store is None or not member.consent_chat
                or associate.status is not AssociateStatus.ACTIVE or member.brand_id != brand.id):
            continue  # nobody to escalate from: the member was told so when they wrote
        if escalation_due(store, waiting.first_at, now, minutes):
            found.append(Due(member, associate, store, waiting, await unanswered(uow, waiting)))
    return found


async def _all_waiting(uow: UnitOfWork, since: datetime, until: datetime) -> list[Waiting]:
    out: list[Waiting] = []
    while len(out) < MOST:
        page = await uow.escalations.waiting(since, until, BATCH, len(out))
        out += page
        if len(page) < BATCH:
            break
    return out


async def unanswered(uow: UnitOfWork, waiting: Waiting) -> list[ConversationMessage]:
    newest = await uow.conversations.of_member(waiting.member_id, CARD_MESSAGES * 2)
    return [m for m in reversed(newest) if m.id is not None and m.id >= waiting.first_message_id
            and m.direction is Direction.IN and m.kind is not MessageKind.EDIT][-CARD_MESSAGES:]


async def open_escalation(uow: UnitOfWork, due: Due, now: datetime) -> Escalation | None:
    """Record it; None when another process escalated this member first (the caller skips)."""
    assert due.member.id is not None and due.associate.id is not None and due.store.id is not None
    try:
        return await uow.escalations.add(Escalation(
            member_id=due.member.id, associate_id=due.associate.id, store_id=due.store.id,
            message_id=due.waiting.first_message_id, opened_at=now))
    except DuplicateError:
        return None


def _teammates(escalation: Escalation, associates: Sequence[Associate]) -> list[Associate]:
    return [a for a in associates if a.id != escalation.associate_id and a.store_id == escalation.store_id
            and a.status is AssociateStatus.ACTIVE]


def team_for(escalation: Escalation, associates: Sequence[Associate]) -> list[Associate]:
    """Who gets the card: the store's other active associates the staff bot can write to.
    One who never opened the staff bot would never see it (Telegram refuses the message),
    and the owner would be told the team was asked when nobody was."""
    return [a for a in _teammates(escalation, associates) if a.reachable]


def out_of_reach(escalation: Escalation, associates: Sequence[Associate]) -> list[Associate]:
    """The store's other active associates who cannot be asked yet: not signed in, or
    their account never opened the staff bot. The owner is told who they are."""
    return [a for a in _teammates(escalation, associates) if not a.reachable]


async def remember(uow: UnitOfWork, escalation: Escalation, associate: Associate, outbox_id: int | None,
                   kind: NoticeKind) -> None:
    assert escalation.id is not None and associate.id is not None and outbox_id is not None
    await uow.escalations.add_notice(EscalationNotice(escalation.id, associate.id, outbox_id, kind))


# --- claiming ---------------------------------------------------------------------------


class Refusal:
    NOT_FOUND = "not_found"  # no such escalation, or another store's: nothing is said about it
    OWN_MEMBER = "own_member"  # the member is the presser's own: they just reply
    TAKEN = "taken"  # a teammate claimed it first
    YOURS = "yours"  # the presser claimed it already
    DONE = "done"  # answered or closed meanwhile


def check_claim(escalation: Escalation | None, presser: Associate) -> str | None:
    """None when the presser may try to claim. Callback data is forgeable: the store and
    the presser's status are checked here, on the server."""
    if (escalation is None or presser.status is not AssociateStatus.ACTIVE or presser.store_id != escalation.store_id):
        return Refusal.NOT_FOUND
    if presser.id == escalation.associate_id:
        return Refusal.OWN_MEMBER
    if escalation.claimed_by is not None:
        return Refusal.YOURS if escalation.claimed_by == presser.id else Refusal.TAKEN
    if escalation.status is not EscalationStatus.OPEN:
        return Refusal.DONE
    return None


@dataclass(frozen=True, slots=True)
class Claimed:
    escalation: Escalation
    member: Member
    owner: Associate  # the member's associate
    store: Store


@dataclass(frozen=True, slots=True)
class ClaimRefused:
    reason: str
    escalation: Escalation | None = None  # None for NOT_FOUND: nothing is shown about it
    member: Member | None = None
    claimer: Associate | None = None  # who has it, for TAKEN


async def claim(uow: UnitOfWork, presser: Associate, escalation_id: int, now: datetime) -> Claimed | ClaimRefused:
    assert presser.id is not None
    escalation = await uow.escalations.get(escalation_id)
    reason = check_claim(escalation, presser)
    if reason is None and escalation is not None:
        link = await uow.links.current(escalation.member_id)
        if link is None or link.associate_id != escalation.associate_id:  # the member moved on meanwhile
            await uow.escalations.set_status(escalation_id, EscalationStatus.CLOSED, now)
            reason = Refusal.DONE
        elif await uow.escalations.claim(escalation_id, presser.id, now):
            escalation = await uow.escalations.get(escalation_id)
        else:  # someone got in first: a teammate's claim, or an answer that closed it
            escalation = await uow.escalations.get(escalation_id)
            reason = check_claim(escalation, presser) or Refusal.TAKEN
    if reason == Refusal.NOT_FOUND or escalation is None:
        return ClaimRefused(Refusal.NOT_FOUND)
    member = await uow.members.get(escalation.member_id)
    if reason is not None:
        claimer = await uow.associates.get(escalation.claimed_by) if escalation.claimed_by else None
        return ClaimRefused(reason, escalation, member, claimer)
    owner = await uow.associates.get(escalation.associate_id)
    store = await uow.stores.get(escalation.store_id)
    assert member is not None and owner is not None and store is not None
    return Claimed(escalation, member, owner, store)


# --- answering --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimFirst:
    """A teammate replied to a card they have not claimed: nobody has yet (claim it
    first), or `claimer` has."""

    claimer: Associate | None = None


def check_claimed_reply(associate: Associate, store: Store, escalation: Escalation, member: Member | None,
                        link: Link | None, relayed: ConversationMessage | None) -> ReplyTo | NotYourMember | MemberPaused | ClaimFirst:
    """The one who claimed an escalation may answer its member, under their own name,
    while the member is still with the associate it was escalated from; nobody else."""
    if (member is None or relayed is None or associate.status is not AssociateStatus.ACTIVE
            or associate.store_id != escalation.store_id):  # a claimer who moved stores hands it back
        return NotYourMember()
    if escalation.claimed_by is None and escalation.status is EscalationStatus.OPEN:
        return ClaimFirst()
    if (escalation.claimed_by != associate.id or escalation.status is EscalationStatus.CLOSED
            or link is None or link.associate_id != escalation.associate_id):
        return NotYourMember()
    if not member.consent_chat:
        return MemberPaused(member)
    return ReplyTo(member, associate, store, relayed)


async def route_claimed_reply(uow: UnitOfWork, associate: Associate, store: Store,
                              replied_message_id: int) -> ReplyTo | NotYourMember | MemberPaused | ClaimFirst | None:
    """A reply to an escalation's card or history in the associate's own chat (looked up
    there only); None when the replied-to message is not one of those."""
    assert associate.id is not None and associate.telegram_user_id is not None
    notice = await uow.escalations.notice_by_message(associate.id, associate.telegram_user_id, replied_message_id)
    escalation = await uow.escalations.get(notice.escalation_id) if notice else None
    if notice is None or escalation is None or notice.kind is NoticeKind.OWNER:
        return None
    member = await uow.members.get(escalation.member_id)
    link = await uow.links.current(escalation.member_id)
    relayed = await uow.escalations.message(escalation.message_id)
    route = check_claimed_reply(associate, store, escalation, member, link, relayed)
    if isinstance(route, NotYourMember) and escalation.claimed_by not in (None, associate.id):
        return ClaimFirst(await uow.associates.get(escalation.claimed_by))  # type: ignore[arg-type]
    return route


@dataclass(frozen=True, slots=True)
class Settled:
    """What an answer did to an escalation: ANSWERED by the claimer (the owner is told) or
    CLOSED by the owner (open cards can say so)."""

    escalation: Escalation
    status: EscalationStatus
    owner: Associate | None  # the member's associate, if still active: a former one is told nothing
    by: Associate


async def after_answer(uow: UnitOfWork, member: Member, by: Associate, now: datetime) -> list[Settled]:
    """An associate's message reached the member: settle the member's escalations."""
    assert member.id is not None
    settled = []
    statuses = (*UNANSWERED, EscalationStatus.ANSWERED)
    for escalation in await uow.escalations.of_member(member.id, statuses):
        assert escalation.id is not None
        if by.id == escalation.associate_id:
            status = EscalationStatus.CLOSED
        elif by.id == escalation.claimed_by and escalation.status is EscalationStatus.CLAIMED:
            status = EscalationStatus.ANSWERED
        else:
            continue  # the claimer's follow-ups change nothing
        await uow.escalations.set_status(escalation.id, status, now)
        owner = await uow.associates.get(escalation.associate_id)
        active = owner is not None and owner.status is AssociateStatus.ACTIVE
        settled.append(Settled(escalation, status, owner if active else None, by))
    return settled


# --- the manager's view -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenEscalation:
    escalation: Escalation
    member: Member
    owner: Associate
    claimer: Associate | None


async def open_escalations(uow: UnitOfWork, manager: Associate) -> list[OpenEscalation] | None:
    """The manager's store's escalations nobody has answered yet; None for non-managers."""
    if not is_manager(manager):
        return None
    out = []
    for escalation in await uow.escalations.of_store(manager.store_id, UNANSWERED):
        member = await uow.members.get(escalation.member_id)
        owner = await uow.associates.get(escalation.associate_id)
        claimer = await uow.associates.get(escalation.claimed_by) if escalation.claimed_by else None
        if member is not None and owner is not None:
            out.append(OpenEscalation(escalation, member, owner, claimer))
    return out
