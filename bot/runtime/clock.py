"""The real clock, injected into commerce (which never reads time itself)."""

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
