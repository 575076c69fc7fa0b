"""Availability and escalation messages: /hours, /away and /back for associates, the
auto-reply a member gets, the store team's Claim card and what follows it, and a
manager's /escalations. Times are shown on the store's wall clock, in words ("today
18:00", "Fri 10:00"); names and message texts are user text, escaped (the catalog
escapes every parameter; `markup=` only carries fragments rendered here)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.interface.callbacks import ClaimEscalation
from bot.interface.i18n import Catalog
from bot.interface.render.base import TEXT_LIMIT, Outgoing, plain, text
from bot.interface.render.relay import full_name
from commerce import lengths
from commerce.availability import (
    NOTE_LIMIT,
    Availability,
    Away,
    AwayError,
    Escalation,
    OffHours,
    Presence,
)
from commerce.conversations import ConversationMessage, MessageKind
from commerce.escalation import OpenEscalation, Refusal
from commerce.hours import WeeklyHours
from commerce.people import Associate, Member, Store

QUOTE = 300  # UTF-16 units of each message quoted on a card
NAMES_SHOWN = 10  # teammates named in a notice; a store's team is rarely larger


def toast(notice: str) -> str:
    """A notice rendered for a message, as a button's answer: Telegram shows that without
    formatting (entities would appear as "&amp;") and refuses more than 200 units.
    The full notice goes on the card itself."""
    return lengths.shorten(plain(notice), lengths.ANSWER_TEXT)


@dataclass(frozen=True, slots=True)
class AvailabilityRenderer:
    catalog: Catalog

    def t(self, locale: str, key: str, **params: Any) -> str:
        return self.catalog.text(locale, f"availability.{key}", **params)

    # --- time in words -------------------------------------------------------------------

    def when(self, locale: str, at: datetime, now: datetime, zone: ZoneInfo) -> str:
        """"today 18:00", "tomorrow 10:00", "Fri 10:00" within a week, else "Tue 1 Dec 10:00"."""
        local, today = at.astimezone(zone), now.astimezone(zone).date()
        clock = local.strftime("%H:%M")
        weekday = self.t(locale, "weekday_names").split()[local.weekday()]
        days = (local.date() - today).days
        if days == 0:
            return self.t(locale, "when_today", time=clock)
        if days == 1:
            return self.t(locale, "when_tomorrow", time=clock)
        if 1 < days < 7:
            return self.t(locale, "when_weekday", weekday=weekday, time=clock)
        month = self.t(locale, "month_names").split()[local.month - 1]
        return self.t(locale, "when_date", weekday=weekday, day=local.day, month=month, year=local.year, time=clock)

    def waited(self, locale: str, span: timedelta) -> str:
        """To the nearest unit shown: the escalation job runs once a minute, so a wait read
        as "3 min" may be 3 min 59 s; rounded, it is never short by more than half a unit.
        A fresh wait is "1 min" ("0 min ago" reads oddly)."""
        minutes = max(int(span.total_seconds() / 60 + 0.5), 1)
        if minutes < 60:
            return self.t(locale, "minutes", minutes=minutes)
        if minutes < 24 * 60:
            return self.t(locale, "hours_minutes", hours=minutes // 60, minutes=minutes % 60)
        hours = int(minutes / 60 + 0.5)
        return self.t(locale, "days_hours", days=hours // 24, hours=hours % 24)

    def zoned(self, locale: str, at: datetime, now: datetime, zone: ZoneInfo) -> str:
        """`when`, with the zone's UTC offset: a member may not be where the store is."""
        offset = at.astimezone(zone).utcoffset() or timedelta()
        hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
        label = f"UTC{'-' if offset < timedelta() else '+'}{hours}" + (f":{minutes:02d}" if minutes else "")
        return self.t(locale, "when_zoned", when=self.when(locale, at, now, zone), zone=label)

    # --- the associate's own settings ------------------------------------------------------

    def status(self, locale: str, availability: Availability | None, hours: WeeklyHours, store: Store, state: Presence,
               now: datetime) -> Outgoing:
        zone = ZoneInfo(store.timezone)
        if availability is not None and availability.hours:
            first = self.t(locale, "hours_own", hours=availability.hours, zone=store.timezone)
        elif not hours.always_open:
            first = self.t(locale, "hours_store", hours=str(hours), zone=store.timezone)
        else:
            first = self.t(locale, "hours_always")
        return text(f"{first}\n{self.presence_line(locale, state, now, zone)}\n\n{self.t(locale, 'hours_usage', zone=store.timezone)}")

    def presence_line(self, locale: str, state: Presence, now: datetime, zone: ZoneInfo) -> str:
        if isinstance(state, Away):
            line = self.t(locale, "now_away", when=self.when(locale, state.until, now, zone))
            return line + (" " + self.t(locale, "note", note=state.note) if state.note else "")
        if isinstance(state, OffHours):
            if state.back_at is None:
                return self.t(locale, "now_off_unknown")
            return self.t(locale, "now_off", when=self.when(locale, state.back_at, now, zone))
        return self.t(locale, "now_available")

    def hours_set(self, locale: str, hours: WeeklyHours, store: Store, state: Presence, now: datetime) -> Outgoing:
        zone = ZoneInfo(store.timezone)
        return text(self.t(locale, "hours_set", hours=str(hours), zone=store.timezone) + "\n"
                    + self.presence_line(locale, state, now, zone))

    def hours_cleared(self, locale: str, hours: WeeklyHours, store: Store) -> Outgoing:
        if hours.always_open:
            return text(self.t(locale, "hours_cleared_always"))
        return text(self.t(locale, "hours_cleared", hours=str(hours), zone=store.timezone))

    def hours_error(self, locale: str, fragment: str, store: Store) -> Outgoing:
        return text(self.t(locale, "hours_error", fragment=fragment) + "\n\n" + self.t(locale, "hours_usage", zone=store.timezone))

    def away_set(self, locale: str, availability: Availability, store: Store, every_hours: int, now: datetime) -> Outgoing:
        assert availability.away_until is not None
        zone = ZoneInfo(store.timezone)
        body = self.t(locale, "away_set", when=self.when(locale, availability.away_until, now, zone), zone=store.timezone,
                      every=every_hours)
        if availability.away_note:
            body += "\n" + self.t(locale, "away_note", note=availability.away_note)
        return text(body)

    def away_error(self, locale: str, error: AwayError | None, store: Store) -> Outgoing:
        if error is not None and error.reason == "note_too_long":
            return text(self.t(locale, "away_note_too_long", limit=NOTE_LIMIT, length=error.length))
        usage = self.t(locale, "away_usage", zone=store.timezone)
        if error is None or error.reason == "format":
            return text(usage)
        return text(self.t(locale, f"away_{error.reason}") + "\n\n" + usage)

    def back(self, locale: str, was_away: bool) -> Outgoing:
        return text(self.t(locale, "back" if was_away else "back_not_away"))

    # --- the member's auto-reply --------------------------------------------------------------

    def auto_reply(self, locale: str, associate: Associate, store: Store, state: Away | OffHours, now: datetime) -> Outgoing:
        zone, name = ZoneInfo(store.timezone), associate.display_name
        if isinstance(state, Away):
            when = self.zoned(locale, state.until, now, zone)
            if state.note:
                return text(self.t(locale, "auto_away_note", associate=name, when=when, note=state.note))
            return text(self.t(locale, "auto_away", associate=name, when=when))
        if state.back_at is None:
            return text(self.t(locale, "auto_off_unknown", associate=name))
        return text(self.t(locale, "auto_off", associate=name, when=self.zoned(locale, state.back_at, now, zone)))

    # --- escalations ----------------------------------------------------------------------------

    def card(self, locale: str, escalation: Escalation, member: Member, owner: Associate, store: Store,
             messages: Sequence[ConversationMessage], now: datetime) -> Outgoing:
        assert escalation.id is not None
        first_at = messages[0].created_at if messages else escalation.opened_at
        lines = [self.t(locale, "card", member=full_name(member), owner=owner.display_name, store=store.name,
                        waited=self.waited(locale, now - first_at))]
        lines += [self.t(locale, "card_line", markup={"text": self._quote(locale, m)}) for m in messages]
        lines.append(self.t(locale, "card_hint"))
        button = {"text": self.t(locale, "claim_button"), "callback_data": ClaimEscalation(escalation.id).pack()}
        return text("\n".join(lines), buttons=[[button]])

    def _quote(self, locale: str, message: ConversationMessage) -> str:
        body = message.text or ""
        if message.kind is not MessageKind.TEXT:
            body = f"{self.catalog.text(locale, 'relay.' + message.kind.value)} {body}".strip()
        return html.escape(lengths.shorten(" ".join(body.split()), QUOTE), quote=False)

    def owner_note(self, locale: str, member: Member, store: Store, waited: timedelta, *, alone: bool = False,
                   missed: Sequence[Associate] = ()) -> Outgoing:
        """To the member's own associate; `alone`: nobody else at the store could be asked,
        `missed`: teammates who could not be asked because the staff bot cannot write to
        them yet (named, so the owner can tell them to open it)."""
        params = {"member": full_name(member), "store": store.name, "waited": self.waited(locale, waited)}
        if not alone:
            return text(self.t(locale, "owner_note", **params))
        if not missed:
            return text(self.t(locale, "owner_note_alone", **params))
        names = [a.display_name for a in missed[:NAMES_SHOWN]]
        if len(missed) > NAMES_SHOWN:
            names.append(self.t(locale, "owner_note_more", count=len(missed) - NAMES_SHOWN))
        return text(self.t(locale, "owner_note_unreached", names=", ".join(names), **params))

    def claimed(self, locale: str, member: Member) -> str:
        return self.t(locale, "claimed", member=full_name(member))

    def taken(self, locale: str, member: Member, claimer: Associate) -> str:
        return self.t(locale, "taken", member=full_name(member), claimer=claimer.display_name)

    def closed(self, locale: str, member: Member, owner: Associate) -> str:
        return self.t(locale, "closed", member=full_name(member), owner=owner.display_name)

    def refusal(self, locale: str, reason: str, member: Member | None, claimer: Associate | None) -> str:
        if reason == Refusal.TAKEN and claimer is not None:
            return self.t(locale, "refused_taken", claimer=claimer.display_name)
        if reason in (Refusal.OWN_MEMBER, Refusal.DONE) and member is not None:
            return self.t(locale, f"refused_{reason}", member=full_name(member))
        if reason == Refusal.YOURS:
            return self.t(locale, "refused_yours")
        return self.t(locale, "refused_not_found")

    def answered(self, locale: str, member: Member, claimer: Associate, said: str | None, kind: MessageKind) -> Outgoing:
        body = said or ""
        if kind is not MessageKind.TEXT:
            body = f"{self.catalog.text(locale, 'relay.' + kind.value)} {body}".strip()
        return text(self.t(locale, "answered", member=full_name(member), claimer=claimer.display_name,
                           said=lengths.shorten(body, QUOTE)))

    def claim_first(self, locale: str) -> str:
        return self.t(locale, "claim_first")

    def escalations(self, locale: str, store: Store, items: Sequence[OpenEscalation], now: datetime) -> Outgoing:
        if not items:
            return text(self.t(locale, "list_empty", store=store.name))
        zone = ZoneInfo(store.timezone)
        lines = [self.t(locale, "list_title", store=store.name, count=len(items))]
        for n, item in enumerate(items, start=1):
            line, after = self._listed(locale, n, item, now, zone), len(items) - n
            tail = [self.t(locale, "list_more", count=after)] if after else []
            if lengths.units(plain("\n".join([*lines, line, *tail]))) > TEXT_LIMIT:  # Telegram counts the text as shown
                lines.append(self.t(locale, "list_more", count=after + 1))  # the oldest, most urgent, stay in view
                break
            lines.append(line)
        return text("\n".join(lines))

    def _listed(self, locale: str, n: int, item: OpenEscalation, now: datetime, zone: ZoneInfo) -> str:
        e = item.escalation
        since, waited = self.when(locale, e.opened_at, now, zone), self.waited(locale, now - e.opened_at)
        if item.claimer is not None and e.claimed_at is not None:
            return self.t(locale, "list_claimed", n=n, member=full_name(item.member), owner=item.owner.display_name,
                          since=since, waited=waited, claimer=item.claimer.display_name,
                          claimed=self.when(locale, e.claimed_at, now, zone))
        return self.t(locale, "list_open", n=n, member=full_name(item.member), owner=item.owner.display_name,
                      since=since, waited=waited)

    def not_manager(self, locale: str) -> Outgoing:
        return text(self.t(locale, "not_manager"))

