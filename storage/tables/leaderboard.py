"""The daily leaderboard's days, claimed in the transaction that queues them (migration 0008)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class LeaderboardDayRow(SQLModel, table=True):
    """A brand's day whose results were queued. Written in the transaction that writes
    the messages: it exists exactly when they do, so a failed or crashed run leaves the
    day to the next one, and of two runs at once the primary key lets one through."""

    __tablename__ = "leaderboard_day"

    brand_id: int = Field(foreign_key="brand.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    day: date = Field(sa_type=sa.Date, primary_key=True)  # the brand's local calendar day
    queued_at: datetime = Field(sa_type=UTCDateTime)
