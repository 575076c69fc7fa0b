"""The recruitment leaderboard: who brought in how many new members over a period.

Counts are verified new members (``RecruitmentRepository.enrolled_between``: each member
once, for the associate whose code enrolled them), never scans. Periods are the brand's
local calendar — a day runs from local midnight to the next, however many hours DST makes
it — and reach the repository as a half-open UTC range. Everybody active is on the board,
those with no recruit included: "#12 of 212" means 212 active associates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from commerce.people import Associate, AssociateStatus, Brand, Store
from commerce.ports.uow import UnitOfWork

TOP_N = 10  # rows in a brand's or a store's ranking image


class Period(StrEnum):
    TODAY = "today"  # local midnight to the next local midnight
    WEEK = "week"  # ISO week: Monday 00:00 local to the next Monday
    MONTH = "month"  # the 1st 00:00 local to the next 1st


@dataclass(frozen=True, slots=True)
class Window:
    period: Period
    first_day: date  # local, inclusive
    last_day: date  # local, inclusive
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


def period_window(period: Period, now: datetime, timezone: str) -> Window:
    """The period containing ``now`` (aware) in the brand's time zone, as a UTC range."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if period is Period.TODAY:
        first, after = today, today + timedelta(days=1)
    elif period is Period.WEEK:
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    else:
        first = today.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    return Window(period, first, after - timedelta(days=1), _local_midnight(first, zone), _local_midnight(after, zone))


def local_date(now: datetime, timezone: str) -> date:
    """The brand's calendar day at ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date()


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # Wall-clock arithmetic is never done on aware datetimes here: each boundary is built
    # from its calendar date, so a 23- or 25-hour DST day is exactly one day. Where a zone
    # skips midnight itself, fold=0 resolves to the instant the day actually begins.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


# --- ranking ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    associate_id: int
    name: str
    store_id: int
    store_name: str
    recruits: int
    rank: int | None  # competition ranking among those who recruited: 1, 1, 3; None: no recruit, unranked


@dataclass(frozen=True, slots=True)
class StoreTotal:
    store_id: int
    name: str
    recruits: int
    associates: int  # active associates of the store


@dataclass(frozen=True, slots=True)
class Standings:
    rows: tuple[Standing, ...]  # every active associate of the brand, best first
    by_store: Mapping[int, tuple[Standing, ...]]  # store id -> its associates, ranked within the store
    stores: tuple[StoreTotal, ...]  # stores with active associates, most recruits first
    _index: Mapping[int, Standing] = field(default_factory=dict, repr=False, compare=False)

    @property
    def total(self) -> int:
        """Active associates counted, those with no recruit included."""
        return len(self.rows)

    @property
    def recruits(self) -> int:
        return sum(row.recruits for row in self.rows)

    @property
    def recruiters(self) -> int:
        """Associates with at least one recruit."""
        return sum(1 for row in self.rows if row.recruits)

    def of(self, associate_id: int) -> Standing | None:
        """The associate's brand-wide standing; None for deactivated or unknown ones."""
        return self._index.get(associate_id)

    def top(self, n: int = TOP_N) -> tuple[Standing, ...]:
        return self.rows[:n]

    def store_top(self, store_id: int, n: int = TOP_N) -> tuple[Standing, ...]:
        return self.by_store.get(store_id, ())[:n]

    def store(self, store_id: int) -> StoreTotal | None:
        return next((total for total in self.stores if total.store_id == store_id), None)


def rank(counts: Mapping[int, int], associates: Iterable[Associate], stores: Iterable[Store]) -> Standings:
    """Rank the active associates of the given stores by recruits.

    Ties share a rank and the next rank skips (1, 1, 3); among equals the order is by name,
    so the board reads the same every time. Associates without a recruit follow, unranked:
    a shared last place helps nobody. Recruits of deactivated associates and of
    associates outside these stores are left out.
    """
    store_names = {store.id: store.name for store in stores if store.id is not None}
    active = [a for a in associates if a.status is AssociateStatus.ACTIVE and a.store_id in store_names and a.id is not None]
    entries = [(a.id, a.display_name, a.store_id, store_names[a.store_id], max(0, counts.get(a.id, 0))) for a in active]
    rows = _ranked(entries)
    by_store: dict[int, tuple[Standing, ...]] = {}
    for store_id in dict.fromkeys(row.store_id for row in rows):
        by_store[store_id] = _ranked([(r.associate_id, r.name, r.store_id, r.store_name, r.recruits) for r in rows if r.store_id == store_id])
    totals = sorted(
        (StoreTotal(store_id, store_names[store_id], sum(r.recruits for r in members), len(members)) for store_id, members in by_store.items()),
        key=lambda total: (-total.recruits, total.name.casefold(), total.store_id),
    )
    return Standings(tuple(rows), by_store, tuple(totals), {row.associate_id: row for row in rows})


def _ranked(entries: Sequence[tuple[int, str, int, str, int]]) -> list[Standing]:
    ordered = sorted(entries, key=lambda e: (-e[4], e[1].casefold(), e[0]))
    rows: list[Standing] = []
    for position, (associate_id, name, store_id, store_name, recruits) in enumerate(ordered, start=1):
        shared = rows and rows[-1].recruits == recruits
        place = None if recruits == 0 else rows[-1].rank if shared else position
        rows.append(Standing(associate_id, name, store_id, store_name, recruits, place))
    return rows


# --- reading the board ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Board:
    brand: Brand
    window: Window
    standings: Standings


async def load_board(uow: UnitOfWork, brand_id: int, period: Period, now: datetime) -> Board:
    """The brand's standings over the period containing ``now``, in the brand's time zone
    as stored now (HQ may have changed it since start-up)."""
    brand = await uow.brands.get(brand_id)
    if brand is None:
        raise LookupError(f"brand {brand_id} does not exist")
    window = period_window(period, now, brand.timezone)
    counts = await uow.recruitment.enrolled_between(brand_id, window.start, window.end)
    stores = await uow.stores.list(brand_id)
    associates = await uow.associates.list_all()
    return Board(brand, window, rank(counts, associates, stores))


def parse_period(text: str | None) -> Period | None:
    """"week" -> Period.WEEK; nothing -> today; anything else -> None."""
    if not text:
        return Period.TODAY
    try:
        return Period(text.strip().lower())
    except ValueError:
        return None
