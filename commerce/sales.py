"""HQ's sales numbers: what each associate sold, per store and per day, over a period.

A sale is an order handed over (delivered or picked up), counted on the brand's local day
it was handed over, for the associate the order was attributed to when it was placed (kept
when the member later moves to another associate) and the store that fulfilled it. A refund
of an order that had been handed over is subtracted on the day of the refund; an order
refunded before it was handed over was never a sale. Amounts stay in minor units, per
currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commerce.people import Brand
from commerce.ports.uow import UnitOfWork

MAX_DAYS = 3660  # ten years: a longer report is a typo


@dataclass(frozen=True, slots=True)
class SaleEvent:
    """An order handed over, or a handed-over order refunded, as storage reports it."""

    order_id: int
    at: datetime
    refund: bool  # False: handed over (a sale); True: the money went back
    associate_id: int | None  # the attribution at order time; None: no associate then
    store_id: int
    currency: str
    total_minor: int


@dataclass(frozen=True, slots=True)
class Tally:
    orders: int = 0  # handed over
    refunds: int = 0  # handed-over orders refunded
    gross_minor: int = 0
    refunded_minor: int = 0

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.refunded_minor

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.orders + other.orders, self.refunds + other.refunds,
                     self.gross_minor + other.gross_minor, self.refunded_minor + other.refunded_minor)


@dataclass(frozen=True, slots=True)
class AssociateSales:
    associate_id: int | None  # None: orders placed by members who had no associate
    name: str | None
    currency: str
    total: Tally
    days: tuple[tuple[date, Tally], ...]  # only the days with a sale or refund, in order


@dataclass(frozen=True, slots=True)
class StoreSales:
    store_id: int
    code: str
    name: str
    associates: tuple[AssociateSales, ...]  # by name, the unattributed last

    def totals(self) -> dict[str, Tally]:
        """By currency."""
        found: dict[str, Tally] = defaultdict(Tally)
        for line in self.associates:
            found[line.currency] += line.total
        return dict(found)


@dataclass(frozen=True, slots=True)
class SalesReport:
    first_day: date
    last_day: date
    timezone: str
    stores: tuple[StoreSales, ...]  # by store code; stores without sales are left out


def period(days: int, now: datetime, timezone: str) -> tuple[date, datetime, datetime]:
    """The last `days` local days, today included: the first day and the instants from
    its start to now."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days is 1 to {MAX_DAYS}")
    zone = ZoneInfo(timezone)
    first = now.astimezone(zone).date() - timedelta(days=days - 1)
    return first, datetime.combine(first, time(), zone), now


async def sales_report(uow: UnitOfWork, brand: Brand, days: int, now: datetime) -> SalesReport:
    """Sales per store and associate over the last `days` days of the brand's calendar."""
    assert brand.id is not None
    first, since, until = period(days, now, brand.timezone)
    events = await uow.orders.sale_events(brand.id, since, until)
    stores = {store.id: store for store in await uow.stores.list(brand.id)}
    names = {a.id: a.display_name for a in await uow.associates.list_all()}
    lines = tally(events, brand.timezone)
    report = []
    for store_id in sorted({key[0] for key in lines}, key=lambda sid: stores[sid].code if sid in stores else str(sid)):
        store = stores.get(store_id)
        keys = sorted((key for key in lines if key[0] == store_id),
                      key=lambda key: (key[1] is None, names.get(key[1], "") if key[1] else "", key[1] or 0, key[2]))
        associates = tuple(AssociateSales(key[1], names.get(key[1]) if key[1] else None, key[2],
                                          sum(lines[key].values(), Tally()), tuple(sorted(lines[key].items())))
                           for key in keys)
        report.append(StoreSales(store_id, store.code if store else "?", store.name if store else "?", associates))
    return SalesReport(first, now.astimezone(ZoneInfo(brand.timezone)).date(), brand.timezone, tuple(report))


def tally(events: Sequence[SaleEvent], timezone: str) -> dict[tuple[int, int | None, str], dict[date, Tally]]:
    """(store, associate, currency) -> local day -> what was sold and refunded that day."""
    zone = ZoneInfo(timezone)
    found: dict[tuple[int, int | None, str], dict[date, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for event in events:
        day = event.at.astimezone(zone).date()
        change = Tally(refunds=1, refunded_minor=event.total_minor) if event.refund else Tally(1, 0, event.total_minor)
        found[(event.store_id, event.associate_id, event.currency)][day] += change
    return found
