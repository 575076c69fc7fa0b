"""Opening and working hours: a small written grammar, and questions asked of it.

People type hours the way shops print them, so that is the grammar:

    Mon-Fri 10:00-19:00, Sat 11:00-17:00
    Mon-Sun 10:00-22:00
    weekdays 09:30-18:00; Sat/Sun 10:00-16:00
    Fri-Sat 18:00-02:00            (past midnight: the span runs into the next day)
    Mon-Fri 10:00-14:00 15:00-19:00, Sun closed

Segments are separated by "," or ";"; a segment is days, then one or more HH:MM-HH:MM
ranges (or "closed"). Days are English names (three letters or full, any case), ranges
of them ("Fri-Mon" wraps), several joined by "/" or "&", or daily / weekdays / weekends.
A segment of days alone ("Sat, Sun 11:00-17:00") shares the next segment's times.

Empty hours mean always open: a store without hours never holds anything back. Times
are the wall clock of a time zone the caller names (the store's), so a day across a
daylight-saving change keeps its local opening time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = 24 * 60  # minutes
WEEK = 7 * DAY
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS = {"daily": range(7), "everyday": range(7), "weekdays": range(5), "weekends": range(5, 7)}
_DASHES = re.compile(r"\s*(?:-|–|—|~|\bto\b)\s*")
_RANGE = re.compile(r"^(\d{1,2})[:.](\d{2})-(\d{1,2})[:.](\d{2})$")
_CLOSED = {"closed", "off"}
LIMIT = 200  # characters: what the hours columns hold


class HoursError(ValueError):
    """The text is not hours we can read; `fragment` is the part that is wrong."""

    def __init__(self, fragment: str) -> None:
        super().__init__(f"cannot read hours at {fragment!r}")
        self.fragment = fragment


@dataclass(frozen=True, slots=True, order=True)
class Span:
    day: int  # 0 = Monday
    start: int  # minutes after the day's local midnight
    end: int  # minutes after the same midnight; above 1440 when the span runs past midnight


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    spans: tuple[Span, ...] = ()

    @property
    def always_open(self) -> bool:
        return not self.spans

    def __str__(self) -> str:
        return format_hours(self)


ALWAYS = WeeklyHours()


# --- reading and writing ---------------------------------------------------------------


def parse_hours(text: str) -> WeeklyHours:
    """The hours the text describes; raises HoursError naming the first part it cannot read."""
    text = " ".join(text.split()).strip(",; ")
    if not text:
        return ALWAYS
    if len(text) > LIMIT:
        raise HoursError(text[:40] + "…")
    spans: list[Span] = []
    pending: list[int] = []  # days of a segment without times: they share the next one's
    for raw in re.split(r"[,;]", text):
        segment = _DASHES.sub("-", raw.strip())
        if not segment:
            raise HoursError(raw or text)
        words = segment.split(" ")
        cut = next((i for i, word in enumerate(words) if word.lower() in _CLOSED or word[:1].isdigit()), len(words))
        days = [day for word in words[:cut] for day in _days(word, raw.strip())]
        if not days:
            raise HoursError(raw.strip())
        if cut == len(words):
            pending += days
            continue
        days, pending = pending + days, []
        times = words[cut:]
        if [word.lower() for word in times] in ([word] for word in _CLOSED):
            continue
        for word in times:
            start, end = _range(word, raw.strip())
            spans += [Span(day, start, end) for day in days]
    if pending:
        raise HoursError(text.split(",")[-1].strip())
    if not spans:
        # "Sun closed" alone says nothing about when the store opens: not "always open".
        raise HoursError(text)
    return WeeklyHours(tuple(sorted(set(spans))))


def format_hours(hours: WeeklyHours) -> str:
    """The canonical text: days with the same ranges grouped ("Mon-Fri 10:00-19:00")."""
    if hours.always_open:
        return ""
    by_day = [tuple((s.start, s.end) for s in hours.spans if s.day == day) for day in range(7)]
    parts = []
    day = 0
    while day < 7:
        ranges = by_day[day]
        last = day
        while last + 1 < 7 and by_day[last + 1] == ranges:
            last += 1
        if ranges:
            days = DAY_NAMES[day] if last == day else f"{DAY_NAMES[day]}-{DAY_NAMES[last]}"
            parts.append(f"{days} " + " ".join(f"{_clock(start)}-{_clock(end)}" for start, end in ranges))
        day = last + 1
    return ", ".join(parts)


def _days(word: str, fragment: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"[/&+]", word.lower()):
        if not part:
            continue
        if part in _DAY_WORDS:
            out += list(_DAY_WORDS[part])
            continue
        ends = part.split("-")
        if len(ends) > 2:
            raise HoursError(fragment)
        first, last = (_day(end, fragment) for end in (ends[0], ends[-1]))
        out += [(first + step) % 7 for step in range((last - first) % 7 + 1)]
    return out


def _day(name: str, fragment: str) -> int:
    for index, full in enumerate(_FULL_NAMES):
        if len(name) >= 3 and full.startswith(name):
            return index
    raise HoursError(fragment)


def _range(word: str, fragment: str) -> tuple[int, int]:
    match = _RANGE.match(word)
    if match is None:
        raise HoursError(fragment)
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise HoursError(fragment)
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end == start:
        raise HoursError(fragment)
    return start, end if end > start else end + DAY  # "18:00-02:00" ends the next morning


def _clock(minutes: int) -> str:
    if minutes == DAY:
        return "24:00"
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- questions ---------------------------------------------------------------------------


def is_open(hours: WeeklyHours, at: datetime, zone: ZoneInfo) -> bool:
    if hours.always_open:
        return True
    local = at.astimezone(zone)
    minute = local.weekday() * DAY + local.hour * 60 + local.minute
    return any(span.day * DAY + span.start <= m < span.day * DAY + span.end for span in hours.spans
               for m in (minute, minute + WEEK))  # a Sunday night span runs into Monday


def open_intervals(hours: WeeklyHours, start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """The open periods overlapping [start, end), clipped to it, in time order, merged."""
    if end <= start:
        return
    if hours.always_open:
        yield start, end
        return
    pieces = sorted((max(a, start), min(b, end)) for a, b in _local_spans(hours, start, end, zone) if a < end and b > start)
    current: tuple[datetime, datetime] | None = None
    for a, b in pieces:
        if current is not None and a <= current[1]:
            current = (current[0], max(current[1], b))
            continue
        if current is not None:
            yield current
        current = (a, b)
    if current is not None:
        yield current


def open_seconds(hours: WeeklyHours, start: datetime, end: datetime, zone: ZoneInfo) -> float:
    """How long the hours were open between start and end (0 when end is not after start)."""
    return sum((b - a).total_seconds() for a, b in open_intervals(hours, start, end, zone))


def next_opening(hours: WeeklyHours, after: datetime, zone: ZoneInfo) -> datetime | None:
    """`after` itself when open then, else when it opens next (None: never within a week)."""
    if is_open(hours, after, zone):
        return after
    starts = [a for a, _ in _local_spans(hours, after, after + timedelta(days=8), zone) if a > after]
    return min(starts, default=None)


def _local_spans(hours: WeeklyHours, start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    """Each span on each local date from the day before start (its overnight spans reach
    into start's day) to end's, as aware datetimes."""
    day: date = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    while day <= last:
        midnight = datetime.combine(day, time())
        for span in hours.spans:
            if span.day == day.weekday():
                yield (_at(midnight + timedelta(minutes=span.start), zone), _at(midnight + timedelta(minutes=span.end), zone))
        day += timedelta(days=1)


def _at(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time of the zone as an instant in UTC. Python subtracts and compares two
    datetimes of the same tzinfo by their wall clocks, so a night across a daylight-saving
    change would count an hour too many or too few; UTC instants count what really passed."""
    return wall.replace(tzinfo=zone).astimezone(UTC)
