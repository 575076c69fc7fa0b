"""Tables of the relay's availability (migration 0004_availability). Same rules as storage.tables."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from sqlmodel import Field, SQLModel  # noqa: F401

from storage.tables import TelegramId, _partial  # noqa: F401
from storage.types import UTCDateTime  # noqa: F401
