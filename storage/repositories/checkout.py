"""Open checkouts (commerce.checkout_steps.Checkout), one row per member."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import sqlalchemy as sa

from commerce.checkout_steps import Checkout, Step
from commerce.orders import Fulfilment
from storage.repositories.base import _Repository
from storage.tables.checkout import CheckoutRow

_COLUMNS = tuple(f.name for f in fields(Checkout) if f.name != "id")


def _values(checkout: Checkout) -> dict[str, Any]:
    values = {name: getattr(checkout, name) for name in _COLUMNS}
    values["step"] = checkout.step.value
    values["fulfilment"] = checkout.fulfilment.value if checkout.fulfilment is not None else None
    return values


def _checkout(row: CheckoutRow) -> Checkout:
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["step"] = Step(row.step)
    values["fulfilment"] = Fulfilment(row.fulfilment) if row.fulfilment is not None else None
    return Checkout(**values, id=row.id)


class SqlCheckoutRepository(_Repository):
    async def get(self, checkout_id: int) -> Checkout | None:
        row = await self._get(CheckoutRow, checkout_id)
        return _checkout(row) if row is not None else None

    async def of_member(self, member_id: int) -> Checkout | None:
        row = await self._first(sa.select(CheckoutRow).where(CheckoutRow.member_id == member_id))
        return _checkout(row) if row is not None else None

    async def open(self, checkout: Checkout) -> Checkout:
        await self.session.execute(sa.delete(CheckoutRow).where(CheckoutRow.member_id == checkout.member_id),
                                   execution_options={"synchronize_session": False})
        row = await self._insert(CheckoutRow(**_values(checkout)))
        return _checkout(row)

    async def save(self, checkout: Checkout) -> None:
        assert checkout.id is not None
        await self.session.execute(sa.update(CheckoutRow).where(CheckoutRow.id == checkout.id).values(**_values(checkout)),
                                   execution_options={"synchronize_session": False})

    async def close(self, checkout_id: int) -> None:
        await self.session.execute(sa.delete(CheckoutRow).where(CheckoutRow.id == checkout_id),
                                   execution_options={"synchronize_session": False})
