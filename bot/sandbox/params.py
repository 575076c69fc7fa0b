"""Reading Bot API parameters the way Telegram accepts them.

A call may carry its parameters in the query string, a JSON body, an urlencoded form or
a multipart form. PTB 22 sends a form where every value is a string and objects are
JSON-encoded ("reply_markup" arrives as a JSON string, "disable_notification" as
"true"), and switches to multipart when a file is uploaded. Typed getters below accept
both the native JSON value and its string form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """The parameters of one call, with typed getters that answer like Telegram."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, *, required: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return None if value is None else ""
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, *, required: str | None = None) -> int | None:
        return self._converted(name, int, required)

    def number(self, name: str, *, required: str | None = None) -> float | None:
        return self._converted(name, float, required)

    def _converted(self, name: str, kind: type, required: str | None) -> Any:
        """Telegram's answers: a missing required value names what is missing; an
        unparsable one is "invalid <name> specified"."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(required)
            return None
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def decoded(self, name: str, *, what: str | None = None) -> Any:
        """An object or array parameter, JSON-decoded when it came as a string."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None


async def read_params(request: web.Request) -> Params:
    """Merge the query string and the body into one Params."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return Params(values)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if isinstance(body, dict):
            values.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                uploads[name] = Upload(value.file.read(), value.filename, value.content_type)
            else:
                values[name] = value
    return Params(values, uploads)
