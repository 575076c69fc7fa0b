"""Availability: when an associate answers, and what a member hears meanwhile.

An associate's working hours are their own (`/hours`) or, without them, their store's;
both are read on the store's wall clock. `/away` says "not until then" whatever the hours.
A member who writes while their associate is away or off duty still has the message
relayed (nothing is lost) and gets an auto-reply, at most once per the brand's
`auto_reply_hours` per member, recorded so that the rule holds across restarts and
processes. Decisions are made from values (`presence`, `parse_away`); the async
functions load those values in the caller's transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from commerce.hours import ALWAYS, HoursError, WeeklyHours, next_opening, parse_hours
from commerce.people import Associate, Brand, Member, Store

if TYPE_CHECKING:  # annotations only: the unit of work's ports name this module's values
    from commerce.ports.uow import UnitOfWork

NOTE_LIMIT = 200  # characters of an away note
LONGEST_AWAY = timedelta(days=366)
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_DURATION = re.compile(r"^(\d{1,4})(m|min|h|d|w)$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_UNITS = {"m": timedelta(minutes=1), "min": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}
_CALENDAR_UNITS = {"d", "w"}


# --- values: what an associate said about their hours, and escalations -------------------


@dataclass(slots=True)
class Availability:
    """What an associate said about when they answer. No row means: the store's hours."""

    associate_id: int
    updated_at: datetime
    hours: str | None = None  # their own working hours (commerce.hours grammar); None: the store's
    away_until: datetime | None = None  # away (holiday, day off) until then; past values mean back
    away_note: str | None = None  # what members are told with the away notice, as the associate wrote it


class EscalationStatus(StrEnum):
    OPEN = "open"  # the store team was asked; nobody has claimed it yet
    CLAIMED = "claimed"  # a teammate took it and has not answered yet
    ANSWERED = "answered"  # the teammate who claimed it answered the member
    CLOSED = "closed"  # the member's own associate answered (or the member moved on): nothing left to do


# The escalations a manager still has to care about.
UNANSWERED = (EscalationStatus.OPEN, EscalationStatus.CLAIMED)


@dataclass(slots=True)
class Escalation:
    """A member's unanswered messages handed to the store team. The link never changes:
    the teammate who claims it answers once, under their own name."""

    member_id: int
    associate_id: int  # the member's associate, who did not answer in time
    store_id: int
    message_id: int  # the first unanswered message (conversation_message.id): one escalation per unanswered run
    opened_at: datetime
    status: EscalationStatus = EscalationStatus.OPEN
    claimed_by: int | None = None  # associate id
    claimed_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    id: int | None = None


class NoticeKind(StrEnum):
    CARD = "card"  # the Claim card a teammate got
    HISTORY = "history"  # the conversation sent to the teammate who claimed it (a reply to it answers)
    OWNER = "owner"  # the note to the member's own associate


@dataclass(slots=True)
class EscalationNotice:
    """A message about an escalation in an associate's chat, by the outbox row that
    carries it: replies to it are routed, and cards are edited once someone claims."""

    escalation_id: int
    associate_id: int
    outbox_id: int
    kind: NoticeKind
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A member whose messages since the last answer start with first_message_id."""

    member_id: int
    first_message_id: int
    first_at: datetime


# --- where an associate stands --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Available:
    """Working now: nothing to tell the member."""


@dataclass(frozen=True, slots=True)
class Away:
    until: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class OffHours:
    back_at: datetime | None  # the next opening of their hours (None: none within a week)


Presence = Available | Away | OffHours


def working_hours(availability: Availability | None, store: Store) -> WeeklyHours:
    """The associate's own hours, else the store's. Hours that no longer parse (written
    before they were checked) hold nothing back: never silence an associate by mistake."""
    text = availability.hours if availability is not None and availability.hours else store.hours
    try:
        return parse_hours(text or "")
    except HoursError:
        return ALWAYS


def presence(availability: Availability | None, store: Store, now: datetime) -> Presence:
    if availability is not None and availability.away_until is not None and availability.away_until > now:
        return Away(availability.away_until, availability.away_note)
    zone = ZoneInfo(store.timezone)
    hours = working_hours(availability, store)
    back = next_opening(hours, now, zone)
    return Available() if back == now else OffHours(back)


# --- /away ----------------------------------------------------------------------------------


class AwayError(ValueError):
    """`reason`: "format" (unreadable), "past" (already over), "too_far" (over a year) or
    "note_too_long" (over NOTE_LIMIT characters: `length` says how many)."""

    def __init__(self, reason: str, length: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.length = length


@dataclass(frozen=True, slots=True)
class AwayRequest:
    until: datetime
    note: str | None


def parse_away(text: str, now: datetime, zone: ZoneInfo, hours: WeeklyHours) -> AwayRequest:
    """`18:00` (today, or tomorrow once past), `2h` / `30m` / `3d` / `1w`, `2026-12-01`
    (back when their hours open that day) or `2026-12-01 14:00`, then an optional note."""
    words = text.split()
    if not words:
        raise AwayError("format")
    first, rest = words[0], words[1:]
    local_now = now.astimezone(zone)
    if match := _CLOCK.match(first):
        until = _wall(local_now.date(), int(match[1]), int(match[2]), zone)
        if until <= now:
            until = _wall(local_now.date() + timedelta(days=1), int(match[1]), int(match[2]), zone)
    elif match := _DURATION.match(first):
        unit = match[2].lower()
        # Days and weeks are counted on the store's wall clock ("3d" at 18:00 is back at 18:00,
        # across a daylight-saving change too: aware arithmetic in one zone is wall-clock
        # arithmetic); minutes and hours are time that passes.
        start = local_now if unit in _CALENDAR_UNITS else now.astimezone(UTC)
        until = _in_zone(start + int(match[1]) * _UNITS[unit], zone)
    elif match := _DATE.match(first):
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise AwayError("format") from None
        if rest and (clock := _CLOCK.match(rest[0])):
            until, rest = _wall(day, int(clock[1]), int(clock[2]), zone), rest[1:]
        else:
            midnight = _wall(day, 0, 0, zone)
            opening = next_opening(hours, midnight, zone) if not hours.always_open else None
            until = opening if opening is not None and opening.astimezone(zone).date() == day else midnight
    else:
        raise AwayError("format")
    if until <= now:
        raise AwayError("past")
    if until - now > LONGEST_AWAY:
        raise AwayError("too_far")
    # Refused rather than cut: members would read a note ending mid-word, and the associate
    # would never know.
    note = " ".join(rest).strip() or None
    if note is not None and len(note) > NOTE_LIMIT:
        raise AwayError("note_too_long", len(note))
    return AwayRequest(until, note)


def _wall(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The same instant in the zone (a wall-clock sum is read with the offset of its own day)."""
    return moment.astimezone(UTC).astimezone(zone)


# --- use cases --------------------------------------------------------------------------------


async def availability_of(uow: UnitOfWork, associate: Associate) -> Availability | None:
    assert associate.id is not None
    return await uow.availability.get(associate.id)


async def set_hours(uow: UnitOfWork, associate: Associate, hours: WeeklyHours | None, now: datetime) -> Availability:
    """Their own working hours (canonical text), or None to follow the store's again."""
    current = await _current(uow, associate, now)
    current.hours = str(hours) if hours is not None and not hours.always_open else None
    current.updated_at = now
    await uow.availability.save(current)
    return current


async def set_away(uow: UnitOfWork, associate: Associate, request: AwayRequest | None, now: datetime) -> tuple[Availability, bool]:
    """Away until request.until, or back (None). The flag says whether they were away."""
    current = await _current(uow, associate, now)
    was_away = current.away_until is not None and current.away_until > now
    current.away_until = request.until if request else None
    current.away_note = request.note if request else None
    current.updated_at = now
    await uow.availability.save(current)
    return current, was_away


async def _current(uow: UnitOfWork, associate: Associate, now: datetime) -> Availability:
    assert associate.id is not None
    return await uow.availability.get(associate.id) or Availability(associate_id=associate.id, updated_at=now)


@dataclass(frozen=True, slots=True)
class AutoReply:
    """Tell the member their message is saved and when their associate will answer."""

    member: Member
    associate: Associate
    store: Store
    presence: Away | OffHours


async def auto_reply_for(uow: UnitOfWork, brand: Brand, member: Member, associate: Associate, store: Store,
                         now: datetime) -> AutoReply | None:
    """After a member's message was relayed: the auto-reply to send, if the associate is
    not working now and the member was not told within the brand's window."""
    assert member.id is not None and associate.id is not None
    state = presence(await uow.availability.get(associate.id), store, now)
    if isinstance(state, Available) or brand.auto_reply_hours <= 0:
        return None
    window = timedelta(hours=brand.auto_reply_hours)
    if not await uow.availability.claim_auto_reply(member.id, associate.id, now, now - window):
        return None
    return AutoReply(member, associate, store, state)
