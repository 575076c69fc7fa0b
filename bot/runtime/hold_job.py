"""The hold sweep: every minute, orders whose held stock ran out of time (the member did not
answer an offer or pay the invoice) end, and their units are free again.

Each order expires in a transaction of its own, so one failure stops nobody else. Every
process runs the sweep; the database decides: the order moves only from the version it
was read at and a hold is released once, so two processes finding the same order release
its stock once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from commerce.order_events import due_expiries, expire_hold
from commerce.order_moves import Moved
from commerce.ports.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("storelink.holds")


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    expired: tuple[Moved, ...]  # the orders this run ended, for the messages that tell people


Announce = Callable[[UnitOfWork, Moved], Awaitable[object]]


async def release_expired_holds(uow: UnitOfWorkFactory, now: datetime, announce: Announce | None = None) -> ExpiryRun:
    """`announce` tells people of each order ended, in the transaction that ends it."""
    async with uow() as reading:
        due = await due_expiries(reading, now)
    expired: list[Moved] = []
    for order_id in due:
        try:
            async with uow() as tx:
                result = await expire_hold(tx, order_id, now)
                if isinstance(result, Moved):
                    if announce is not None:
                        await announce(tx, result)
                    await tx.commit()
                    expired.append(result)
        except Exception:
            log.exception("expiring the hold of order %s failed", order_id)
    if expired:
        log.info("released the expired holds of %d orders", len(expired))
    return ExpiryRun(tuple(expired))
