"""The error replies of the Bot API, in the words Telegram uses.

Bot code (and PTB) branches on the HTTP status and often on the description text, so
both follow Telegram exactly: `{"ok": false, "error_code": 400, "description":
"Bad Request: ..."}`, plus `parameters` for flood control.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

_PREFIXES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
}


class ApiError(Exception):
    """A refusal a Bot API method answers with instead of a result."""

    def __init__(self, status: int, detail: str | None = None, *, retry_after: int | None = None) -> None:
        self.status = status
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(self.description)

    @property
    def description(self) -> str:
        prefix = _PREFIXES.get(self.status) or _phrase(self.status)
        return f"{prefix}: {self.detail}" if self.detail else prefix

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, detail)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"retry after {retry_after}", retry_after=retry_after)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# The refusals several methods share.
CHAT_NOT_FOUND = "chat not found"
BOT_BLOCKED = "bot was blocked by the user"
WRONG_FILE = "wrong file identifier/HTTP URL specified"
# An unknown, already answered or expired callback or pre-checkout query.
QUERY_GONE = "query is too old and response timeout expired or query ID is invalid"
