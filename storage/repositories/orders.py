"""Orders, their lines and events, the stock they hold, and members' points.

Two writes race here and the database settles both without locks held across reads:
- a hold is one conditional UPDATE of the stock row (`on_hand - held >= quantity`): on
  PostgreSQL a concurrent holder waits for the row and re-checks the condition against the
  committed value; SQLite runs writing transactions one at a time (BEGIN IMMEDIATE);
- a transition is an UPDATE of the order `WHERE version = expected`: of two transitions
  that read the same version, the second finds none and changes nothing.
A change is applied in a savepoint, so a refusal half-way (no stock for the second line)
leaves the caller's transaction as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from commerce.order_values import (
    Applied,
    ChangeOutcome,
    Delivery,
    HoldFate,
    Order,
    OrderChange,
    OrderLine,
    OutOfStock,
    PointsEntry,
    PointsReason,
    Replayed,
    Stale,
    StockHold,
)
from commerce.orders import Action, Actor, Fulfilment, OrderEvent, OrderStatus, Payment
from commerce.sales import SaleEvent
from storage.repositories.base import _Repository, is_unique_violation
from storage.tables.catalog import StockRow
from storage.tables.orders import (
    OrderEventRow,
    OrderLineRow,
    OrderRow,
    PointsEntryRow,
    StockHoldRow,
)
from storage.tables.rewards import CouponRow

ORDERS: sa.Table = OrderRow.__table__  # type: ignore[attr-defined]
LINES: sa.Table = OrderLineRow.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = OrderEventRow.__table__  # type: ignore[attr-defined]
HOLDS: sa.Table = StockHoldRow.__table__  # type: ignore[attr-defined]
STOCK: sa.Table = StockRow.__table__  # type: ignore[attr-defined]
POINTS: sa.Table = PointsEntryRow.__table__  # type: ignore[attr-defined]
_DELIVERY = ("contact_name", "phone", "address", "latitude", "longitude")
_HANDED_OVER = (OrderStatus.DELIVERED, OrderStatus.PICKED_UP)


class _Undo(Exception):
    """Leave the change's savepoint, rolling it back, with this outcome."""

    def __init__(self, outcome: ChangeOutcome) -> None:
        self.outcome = outcome


class SqlOrderRepository(_Repository):
    async def redeem_coupon(self, coupon_id: int, member_id: int, at: datetime) -> bool:
        # PostgreSQL: a second redeemer waits for the first's row lock, then re-reads
        # redeemed_at, finds it set and updates nothing. SQLite: one writer at a time.
        stmt = (sa.update(CouponRow)
                .where(CouponRow.id == coupon_id, CouponRow.member_id == member_id,
                       CouponRow.redeemed_at.is_(None), CouponRow.expires_at > at)
                .values(redeemed_at=at))
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return result.rowcount == 1

    async def place(self, order: Order, event: OrderEvent) -> Order:
        values = _order_values(order)
        order_id = int((await self.session.execute(sa.insert(ORDERS).values(values).returning(ORDERS.c.id))).scalar_one())
        if order.lines:
            await self.session.execute(sa.insert(LINES), [_line_values(order_id, line) for line in order.lines])
        await self._add_event(order_id, event)
        placed = await self.get(order_id)
        assert placed is not None
        return placed

    async def get(self, order_id: int) -> Order | None:
        row = (await self.session.execute(sa.select(ORDERS).where(ORDERS.c.id == order_id))).mappings().first()
        if row is None:
            return None
        lines = (await self.session.execute(sa.select(LINES).where(LINES.c.order_id == order_id)
                                            .order_by(LINES.c.id))).mappings().all()
        return _order(row, tuple(_line(line) for line in lines))

    async def events(self, order_id: int) -> Sequence[OrderEvent]:
        stmt = sa.select(EVENTS).where(EVENTS.c.order_id == order_id).order_by(EVENTS.c.at, EVENTS.c.id)
        return [_event(row) for row in (await self.session.execute(stmt)).mappings()]

    async def event_by_key(self, order_id: int, event_key: str) -> OrderEvent | None:
        stmt = sa.select(EVENTS).where(EVENTS.c.order_id == order_id, EVENTS.c.event_key == event_key)
        row = (await self.session.execute(stmt)).mappings().first()
        return _event(row) if row is not None else None

    async def holds(self, order_id: int) -> Sequence[StockHold]:
        stmt = sa.select(HOLDS).where(HOLDS.c.order_id == order_id).order_by(HOLDS.c.id)
        return [StockHold(**dict(row)) for row in (await self.session.execute(stmt)).mappings()]

    async def apply(self, change: OrderChange) -> ChangeOutcome:
        try:
            async with self.session.begin_nested():
                await self._apply(change)
        except _Undo as undo:
            return undo.outcome
        return Applied(change.expected_version + 1)

    async def expiring(self, now: datetime, limit: int) -> Sequence[int]:
        due = sa.func.min(HOLDS.c.expires_at)
        stmt = (sa.select(HOLDS.c.order_id)
                .where(HOLDS.c.released_at.is_(None), HOLDS.c.expires_at <= now)
                .group_by(HOLDS.c.order_id).order_by(due, HOLDS.c.order_id).limit(limit))
        return list((await self.session.scalars(stmt)).all())

    async def of_member(self, member_id: int, limit: int) -> Sequence[Order]:
        stmt = (sa.select(ORDERS.c.id).where(ORDERS.c.member_id == member_id)
                .order_by(ORDERS.c.created_at.desc(), ORDERS.c.id.desc()).limit(limit))
        return await self._orders(list((await self.session.scalars(stmt)).all()))

    async def of_associate(self, associate_id: int, statuses: Collection[OrderStatus]) -> Sequence[Order]:
        stmt = (sa.select(ORDERS.c.id)
                .where(ORDERS.c.associate_id == associate_id, ORDERS.c.status.in_([str(s) for s in statuses]))
                .order_by(ORDERS.c.created_at, ORDERS.c.id))
        return await self._orders(list((await self.session.scalars(stmt)).all()))

    async def points_of_order(self, order_id: int) -> Sequence[PointsEntry]:
        stmt = sa.select(POINTS).where(POINTS.c.order_id == order_id).order_by(POINTS.c.id)
        return [PointsEntry(row["member_id"], row["delta"], PointsReason(row["reason"]), row["at"], row["order_id"])
                for row in (await self.session.execute(stmt)).mappings()]

    async def points_balance(self, member_id: int) -> int:
        stmt = sa.select(sa.func.coalesce(sa.func.sum(POINTS.c.delta), 0)).where(POINTS.c.member_id == member_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def spend_since(self, member_id: int, since: datetime) -> int:
        handed_over = (sa.select(EVENTS.c.order_id)
                       .where(EVENTS.c.action.in_([str(Action.DELIVER), str(Action.PICK_UP)]), EVENTS.c.at >= since))
        stmt = (sa.select(sa.func.coalesce(sa.func.sum(ORDERS.c.total_minor), 0))
                .where(ORDERS.c.member_id == member_id, ORDERS.c.status.in_([str(s) for s in _HANDED_OVER]),
                       ORDERS.c.id.in_(handed_over)))
        return int((await self.session.execute(stmt)).scalar_one())

    async def sale_events(self, brand_id: int, since: datetime, until: datetime) -> Sequence[SaleEvent]:
        # A refund counts against sales only for an order that had been handed over.
        handed_over = [str(Action.DELIVER), str(Action.PICK_UP)]
        refund_of_sale = (EVENTS.c.action == str(Action.REFUND)) & EVENTS.c.from_status.in_([str(s) for s in _HANDED_OVER])
        stmt = (sa.select(EVENTS.c.order_id, EVENTS.c.at, EVENTS.c.action, ORDERS.c.associate_id, ORDERS.c.store_id,
                          ORDERS.c.currency, ORDERS.c.total_minor)
                .join(ORDERS, ORDERS.c.id == EVENTS.c.order_id)
                .where(ORDERS.c.brand_id == brand_id, EVENTS.c.at >= since, EVENTS.c.at < until,
                       EVENTS.c.action.in_(handed_over) | refund_of_sale)
                .order_by(EVENTS.c.at, EVENTS.c.id))
        return [SaleEvent(row.order_id, row.at, row.action == str(Action.REFUND), row.associate_id, row.store_id,
                          row.currency, row.total_minor)
                for row in (await self.session.execute(stmt)).all()]

    # --- one change, all or nothing ------------------------------------------------

    async def _apply(self, change: OrderChange) -> None:
        event = change.event
        moved = await self.session.execute(
            sa.update(ORDERS)
            .where(ORDERS.c.id == change.order_id, ORDERS.c.version == change.expected_version)
            .values(status=str(event.to_status), version=ORDERS.c.version + 1, updated_at=event.at, **change.fields))
        if moved.rowcount != 1:
            raise _Undo(Stale())
        try:
            await self._add_event(change.order_id, event)
        except IntegrityError as error:
            if is_unique_violation(error) and event.event_key is not None:
                raise _Undo(Replayed(event.event_key)) from error
            raise
        if change.holds is not None:
            await self._settle_holds(change.order_id, change.holds, event.at)
        # In one order of stock rows, so two orders holding the same SKUs cannot deadlock.
        for request in sorted(change.take, key=lambda r: (r.store_id, r.variant_id)):
            held = await self.session.execute(
                sa.update(STOCK)
                .where(STOCK.c.store_id == request.store_id, STOCK.c.variant_id == request.variant_id,
                       STOCK.c.on_hand - STOCK.c.held >= request.quantity)
                .values(held=STOCK.c.held + request.quantity, updated_at=event.at))
            if held.rowcount != 1:
                raise _Undo(OutOfStock(request.variant_id))
            await self.session.execute(sa.insert(HOLDS).values(
                order_id=change.order_id, store_id=request.store_id, variant_id=request.variant_id,
                quantity=request.quantity, created_at=event.at, expires_at=request.expires_at))
        for line in change.lines:
            await self.session.execute(
                sa.update(LINES).where(LINES.c.id == line.line_id, LINES.c.order_id == change.order_id)
                .values(variant_id=line.variant_id, list_price_minor=line.list_price_minor,
                        unit_price_minor=line.unit_price_minor, proposed_variant_id=line.proposed_variant_id))
        for entry in change.points:
            await self.session.execute(
                self._dialect_insert(PointsEntryRow)
                .values(member_id=entry.member_id, order_id=entry.order_id, delta=entry.delta,
                        reason=str(entry.reason), at=entry.at)
                .on_conflict_do_nothing(index_elements=["order_id", "reason"], index_where=POINTS.c.order_id.is_not(None)))

    async def _settle_holds(self, order_id: int, fate: HoldFate, at: datetime) -> None:
        open_holds = (HOLDS.c.order_id == order_id) & HOLDS.c.released_at.is_(None)
        if fate is HoldFate.PIN:
            await self.session.execute(sa.update(HOLDS).where(open_holds).values(expires_at=None))
            return
        # Marking the holds released first and giving back only what that marked: a
        # hold released before (or by a concurrent transaction) is given back once.
        released = await self.session.execute(
            sa.update(HOLDS).where(open_holds).values(released_at=at)
            .returning(HOLDS.c.store_id, HOLDS.c.variant_id, HOLDS.c.quantity))
        totals: dict[tuple[int, int], int] = defaultdict(int)
        for store_id, variant_id, quantity in released.all():
            totals[(store_id, variant_id)] += quantity
        for (store_id, variant_id), quantity in sorted(totals.items()):
            values: dict[str, Any] = {"held": STOCK.c.held - quantity, "updated_at": at}
            if fate is HoldFate.CONSUME:
                values["on_hand"] = STOCK.c.on_hand - quantity
            await self.session.execute(
                sa.update(STOCK).where(STOCK.c.store_id == store_id, STOCK.c.variant_id == variant_id).values(values))

    async def _add_event(self, order_id: int, event: OrderEvent) -> None:
        await self.session.execute(sa.insert(EVENTS).values(
            order_id=order_id, at=event.at, action=str(event.action), actor=str(event.actor), actor_id=event.actor_id,
            from_status=None if event.from_status is None else str(event.from_status), to_status=str(event.to_status),
            reason=event.reason, event_key=event.event_key))

    async def _orders(self, ids: list[int]) -> list[Order]:
        orders = [await self.get(order_id) for order_id in ids]
        return [order for order in orders if order is not None]


def _order_values(order: Order) -> dict[str, Any]:
    values = {name: getattr(order, name) for name in (
        "brand_id", "member_id", "associate_id", "store_id", "currency", "subtotal_minor", "discount_minor",
        "total_minor", "coupon_id", "courier", "tracking_number", "eta", "hold_expires_at", "telegram_charge_id",
        "provider_charge_id", "campaign_id", "created_at", "updated_at", "version")}
    values |= {name: getattr(order.delivery, name) for name in _DELIVERY}
    values |= {"status": str(order.status), "fulfilment": str(order.fulfilment), "payment": str(order.payment)}
    return values


def _line_values(order_id: int, line: OrderLine) -> dict[str, Any]:
    return {"order_id": order_id, "variant_id": line.variant_id, "quantity": line.quantity,
            "list_price_minor": line.list_price_minor, "unit_price_minor": line.unit_price_minor,
            "proposed_variant_id": line.proposed_variant_id}


def _order(row: Any, lines: tuple[OrderLine, ...]) -> Order:
    values = dict(row)
    delivery = Delivery(**{name: values.pop(name) for name in _DELIVERY})
    values |= {"status": OrderStatus(values["status"]), "fulfilment": Fulfilment(values["fulfilment"]),
               "payment": Payment(values["payment"])}
    return Order(**values, lines=lines, delivery=delivery)


def _line(row: Any) -> OrderLine:
    values = dict(row)
    values.pop("order_id")
    return OrderLine(**values)


def _event(row: Any) -> OrderEvent:
    return OrderEvent(
        action=Action(row["action"]), from_status=None if row["from_status"] is None else OrderStatus(row["from_status"]),
        to_status=OrderStatus(row["to_status"]), actor=Actor(row["actor"]), at=row["at"], actor_id=row["actor_id"],
        reason=row["reason"], event_key=row["event_key"])
