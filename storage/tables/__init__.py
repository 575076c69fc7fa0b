"""SQLModel tables, one module per aggregate. Importing the package registers every table
(storage/migrate.py and Alembic need the whole metadata).

These classes describe storage, not the domain: repositories map them to and from the
domain's dataclasses (commerce.people, conversations, outbox, ...; storage/mapping.py).
Enumerations are stored as short strings so that adding a value never needs a type
migration. Every datetime column is UTCDateTime: aware UTC in, aware UTC out, on both
dialects.

storage/migrations/versions must produce exactly this schema; tests/storage compare alembic's
autogenerate diff against this metadata on SQLite and PostgreSQL."""

from storage.tables import (  # noqa: F401  (each module registers its tables on import)
    albums,
    availability,
    blobs,
    brand,
    catalog,
    checkout,
    conversations,
    inbox,
    leaderboard,
    members,
    orders,
    outbox,
    rewards,
    workspace,
)
