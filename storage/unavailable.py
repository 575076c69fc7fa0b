"""What a failed first connection to the configured database means, in one line for the
person who configured it: which server and database (never a password) and what to do.

A missing PostgreSQL database is the usual case: `storelink db upgrade` creates the
tables (and a SQLite file), but a PostgreSQL database is created by its administrator.
Kept free of SQLAlchemy so the CLI can name the error without importing it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

POSTGRES_PORT = 5432
_MISSING_DATABASE = "3D000"  # SQLSTATE invalid_catalog_name
_REFUSED_LOGIN = {"28000", "28P01"}  # invalid_authorization_specification, invalid_password


class DatabaseUnavailable(Exception):
    """The configured database cannot be used; the message says which and what to do."""


def explain(url: URL, error: BaseException) -> DatabaseUnavailable | None:
    """The error as the person who set STORELINK_DATABASE_URL should read it, or None when
    it is not about reaching the database (then it is a fault to report as it is)."""
    if not url.drivername.startswith("postgresql"):
        return None
    host, port = url.host or "localhost", url.port or POSTGRES_PORT
    name, user = url.database or "postgres", url.username or "postgres"
    server = f"the PostgreSQL server at {host}:{port}"
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(error, "sqlstate", None)
    if sqlstate == _MISSING_DATABASE:
        return DatabaseUnavailable(
            f'there is no database "{name}" on {server} (STORELINK_DATABASE_URL): create it first, e.g. '
            f"`createdb -h {host} -p {port} -U {user} {name}`; then `storelink db upgrade` creates its tables")
    if sqlstate in _REFUSED_LOGIN:
        return DatabaseUnavailable(
            f'{server} refused user "{user}" for database "{name}" (STORELINK_DATABASE_URL): '
            "check the user name and password, or create the user")
    if isinstance(error, OSError):
        reason = ("no such host" if isinstance(error, socket.gaierror)
                  else "connection refused" if isinstance(error, ConnectionRefusedError)
                  else "no answer in time" if isinstance(error, TimeoutError)
                  else error.strerror or type(error).__name__)
        return DatabaseUnavailable(
            f'cannot reach {server} for database "{name}" ({reason}; STORELINK_DATABASE_URL): '
            "check the host and port, and that the server is running")
    return None


@contextmanager
def explained(url: URL) -> Iterator[None]:
    """Around a first connection: an error that means the database cannot be reached
    becomes DatabaseUnavailable; any other goes on as it is."""
    try:
        yield
    except Exception as error:
        problem = explain(url, error)
        if problem is None:
            raise
        raise problem from None
