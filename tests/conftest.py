"""Shared test set-up: which real services are here, and what to say when one is not.

PostgreSQL and Redis are real servers, never mocks. Their URLs come from
STORELINK_TEST_POSTGRES_URL and STORELINK_TEST_REDIS_URL (the defaults are the usual
local servers). When one is unreachable on a person's machine, its tests are skipped and
the summary at the end says which and how to enable them; under CI (CI=true) an
unreachable service is an error, so no service-backed test is ever skipped silently.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest
from hypothesis import settings

pytest_plugins = ["tests.fixtures_db", "tests.fixtures_backends"]

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

_SERVICES = {
    "postgres": ("STORELINK_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL, 5432),
    "redis": ("STORELINK_TEST_REDIS_URL", DEFAULT_REDIS_URL, 6379),
}
_skipped: dict[str, int] = {}

# Property tests check what code does, not how fast: a machine busy with other work must not
# turn a slow example into a failure (hypothesis' default deadline is 200 ms per example).
settings.register_profile("storelink", deadline=None)
settings.load_profile("storelink")
TRANSPORTS = ("aiohttp", "httpx")  # as bot.runtime.transport names them


def chosen_transport() -> str:
    """The Bot API transport of the storelink processes tests run (STORELINK_BOT_TRANSPORT):
    STORELINK_TEST_TRANSPORT, aiohttp unless it says httpx, so the suite runs on either."""
    value = os.environ.get("STORELINK_TEST_TRANSPORT", "").strip().lower() or "aiohttp"
    if value not in TRANSPORTS:
        raise pytest.UsageError(f"STORELINK_TEST_TRANSPORT must be one of {', '.join(TRANSPORTS)}, not {value!r}")
    return value


def pytest_report_header() -> str:
    return f"storelink: the bots talk to the Bot API through {chosen_transport()} (STORELINK_TEST_TRANSPORT)"


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def service_url(name: str) -> str | None:
    """The service's URL if it can be used, else None (and the test should skip)."""
    var, default, port = _SERVICES[name]
    url = os.environ.get(var, default)
    if url in ("", "off"):
        return None
    return url if _reachable(url, port) else None


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    missing = [name for name in _SERVICES if service_url(name) is None]
    if missing:
        pytest.exit(f"CI needs {', '.join(missing)} running (see .ci/run)", returncode=3)


def require(name: str) -> str:
    url = service_url(name)
    if url is None:
        _skipped[name] = _skipped.get(name, 0) + 1
        pytest.skip(f"{name} is not reachable; set {_SERVICES[name][0]} to enable")
    return url


@pytest.fixture
def postgres_url() -> str:
    return require("postgres")


@pytest.fixture
def redis_url() -> str:
    return require("redis")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    # Counted from the skip reports, not from `_skipped`: with several workers (make test
    # runs two) the skips happen in the workers and only their reports reach this process.
    skipped: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for name in _SERVICES:
            if f"{name} is not reachable" in reason:
                skipped[name] = skipped.get(name, 0) + 1
    if not skipped:
        return
    terminalreporter.section("suites that did not run")
    for name, count in sorted(skipped.items()):
        var, default, _ = _SERVICES[name]
        terminalreporter.write_line(
            f"{name}: {count} tests skipped, no server reachable. "
            f"Start one or set {var} (e.g. {var}={default}) and run make test again."
        )
