"""What the process writes never carries a secret or a phone number.

One redaction, applied at every way out: log records (whatever handler takes them), the
logging handler's lines, and sys.stdout / sys.stderr themselves, so CLI messages,
tracebacks of uncaught exceptions and libraries' own prints pass through it too.

It knows two kinds of things:
- the configured secrets by value (bot tokens, the webhook secret, signing keys, passwords
  in the database and Redis URLs), registered by Settings as they are read;
- shapes: anything shaped like a bot token, and the value of any phone or phone_number
  field (Telegram contacts, PTB's DEBUG lines with request parameters and replies), since
  a member's phone number is not known in advance.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
from typing import TextIO

# Shorter values could be ordinary words or numbers; Settings refuses secrets this short.
SHORTEST_SECRET = 8

_TOKEN = re.compile(r"\d{3,}(?::|%3A)[A-Za-z0-9_-]{30,}", re.I)
# `phone_number': '+86 138…'`, `"phone": "138…"`, `phone_number=%2B86…`, `phone=138…`
_PHONE_FIELD = re.compile(
    r"""(?P<key>\bphone(?:_number)?\b\\?["']?\s*(?:[:=]|%3A|%3D)\s*\\?["']?)"""
    r"""(?P<value>(?:\+|%2B)?\d[\d ()./-]{3,}\d)""",
    re.I,
)
# A number in international form, wherever it stands (+8613800138000, +1 415 555 0100).
_E164 = re.compile(r"(?<![\w+])(?:\+|%2B)\d(?:[ -]?\d){6,14}(?!\d)", re.I)
# The webhook secret as PTB logs setWebhook's parameters and aiohttp names the header.
_SECRET_FIELD = re.compile(
    r"""(?P<key>\b(?:secret_token|X-Telegram-Bot-Api-Secret-Token)\b\\?["']?\s*(?:[:=]|%3A|%3D)\s*\\?["']?)"""
    r"""(?P<value>[A-Za-z0-9_-]+)""",
    re.I,
)


class Redactor:
    """Replaces known secret values and secret-shaped text. Thread-safe to extend."""

    def __init__(self) -> None:
        self._values: frozenset[str] = frozenset()
        self._known: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        fresh = {v.strip() for v in values if v and len(v.strip()) >= SHORTEST_SECRET}
        if fresh <= self._values:
            return
        with self._lock:
            self._values = self._values | fresh
            # Longest first: a token is replaced whole before its secret half is.
            alternatives = sorted(self._values, key=len, reverse=True)
            self._known = re.compile("|".join(re.escape(v) for v in alternatives))

    def __call__(self, text: str) -> str:
        if not text:
            return text
        known = self._known
        if known is not None:
            text = known.sub("<secret>", text)
        text = _TOKEN.sub("<token>", text)
        text = _PHONE_FIELD.sub(r"\g<key><phone>", text)
        text = _E164.sub("<phone>", text)
        return _SECRET_FIELD.sub(r"\g<key><secret>", text)


REDACT = Redactor()


def protect_secrets(*values: str | None) -> None:
    """Make these values unprintable from now on (Settings calls this as it reads them)."""
    REDACT.add(*values)


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before they reach the real stream.

    Lines are held until their newline (or a flush), so a secret written in pieces, as
    traceback printing does, is still seen whole."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.wrapped = stream
        self._pending = ""
        self._lock = threading.RLock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.wrapped, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self.wrapped, "errors", None) or "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.wrapped.isatty()

    def fileno(self) -> int:
        return self.wrapped.fileno()

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # bytes would skip the redaction: refuse them, as text streams do
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            self._pending += text
            complete, newline, rest = self._pending.rpartition("\n")
            if newline:
                self._pending = rest
                self.wrapped.write(REDACT(complete + newline))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self.wrapped.closed:  # a test runner's stream, gone before this wrapper
                return
            if self._pending:
                self.wrapped.write(REDACT(self._pending))
                self._pending = ""
            self.wrapped.flush()


def redact_standard_streams() -> None:
    """Route sys.stdout and sys.stderr through the redaction (once per process)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))


_plain_record_factory = logging.getLogRecordFactory()


def _redacted_record(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every log record leaves the logger with its message and traceback already redacted,
    so any handler (a file, a collector added later) gets the safe text."""
    record = _plain_record_factory(*args, **kwargs)  # type: ignore[arg-type]
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it at emit time, redacted there
        return record
    record.msg, record.args = REDACT(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = REDACT(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = REDACT(record.stack_info)
    return record


def redact_log_records() -> None:
    logging.setLogRecordFactory(_redacted_record)
