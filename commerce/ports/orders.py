"""Orders: placing them, reading them with their lines, events and holds, and changing them
one transition at a time (with the stock holds and points that go with it)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from commerce.order_values import (
    ChangeOutcome,
    Order,
    OrderChange,
    PointsEntry,
    StockHold,
)
from commerce.orders import OrderEvent, OrderStatus

if TYPE_CHECKING:  # commerce.sales reaches the unit of work through these ports
    from commerce.sales import SaleEvent


class OrderRepository(Protocol):
    async def redeem_coupon(self, coupon_id: int, member_id: int, at: datetime) -> bool:
        """Mark the member's coupon redeemed if it is unredeemed and unexpired at `at`; False
        (nothing written) when another checkout redeemed it first, even at the same time."""
    async def place(self, order: Order, event: OrderEvent) -> Order:
        """Insert the order, its lines and its first event; the order with ids."""
    async def get(self, order_id: int) -> Order | None:
        """The order with its lines."""
    async def events(self, order_id: int) -> Sequence[OrderEvent]:
        """Oldest first."""
    async def event_by_key(self, order_id: int, event_key: str) -> OrderEvent | None: ...
    async def holds(self, order_id: int) -> Sequence[StockHold]:
        """Oldest first, released ones too."""
    async def apply(self, change: OrderChange) -> ChangeOutcome:
        """All of the change or none of it: Stale when the order is no longer at the
        expected version, OutOfStock when a hold cannot be taken, Replayed when its event
        key was used; holds are released or consumed once whoever else tries."""
    async def expiring(self, now: datetime, limit: int) -> Sequence[int]:
        """Orders with an open hold that expired at or before `now`, soonest first."""
    async def of_member(self, member_id: int, limit: int) -> Sequence[Order]:
        """Newest first."""
    async def of_associate(self, associate_id: int, statuses: Collection[OrderStatus]) -> Sequence[Order]:
        """The associate's orders in these statuses, oldest first (their pipeline)."""
    async def points_of_order(self, order_id: int) -> Sequence[PointsEntry]: ...
    async def points_balance(self, member_id: int) -> int: ...
    async def spend_since(self, member_id: int, since: datetime) -> int:
        """What the member paid for orders handed over since then and not refunded, in
        minor units (one currency per brand)."""
    async def sale_events(self, brand_id: int, since: datetime, until: datetime) -> Sequence[SaleEvent]:
        """The brand's orders handed over, and handed-over orders refunded, in [since, until), oldest first."""
