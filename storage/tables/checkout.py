"""Open checkouts, one per member (migration 0013): the member's choices so far and the step
their buttons answer. The row goes when the order is placed or the checkout is cancelled."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class CheckoutRow(SQLModel, table=True):
    __tablename__ = "checkout"
    __table_args__ = (sa.UniqueConstraint("member_id", name="uq_checkout_member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    product_id: int = Field(foreign_key="product.id")
    variant_id: int | None = Field(default=None, foreign_key="variant.id")
    quantity: int | None = None
    reserve: bool = False
    fulfilment: str | None = Field(default=None, sa_type=sa.String(16))
    contact_name: str | None = Field(default=None, sa_type=sa.String(200))
    phone: str | None = Field(default=None, sa_type=sa.String(32))  # never logged
    address: str | None = Field(default=None, sa_type=sa.Text)
    latitude: float | None = None
    longitude: float | None = None
    use_reward: bool = True
    step: str = Field(sa_type=sa.String(16))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
