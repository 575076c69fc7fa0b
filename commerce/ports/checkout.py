"""Open checkouts: one per member, kept in our own table so a step's buttons work after a
restart and in any process."""

from __future__ import annotations

from typing import Protocol

from commerce.checkout_steps import Checkout


class CheckoutRepository(Protocol):
    async def get(self, checkout_id: int) -> Checkout | None: ...
    async def of_member(self, member_id: int) -> Checkout | None:
        """The member's open checkout (expired or not)."""
    async def open(self, checkout: Checkout) -> Checkout:
        """A new checkout with a new id, in place of the member's previous one (whose
        buttons stop working)."""
    async def save(self, checkout: Checkout) -> None:
        """Its step and choices as they are now."""
    async def close(self, checkout_id: int) -> None:
        """Gone: placed, cancelled or expired."""
