"""Logging set-up. Nothing the process writes carries a secret or a phone number
(bot/runtime/redaction.py): HTTP client URLs carry bot tokens, PTB's DEBUG lines carry request
parameters and replies."""

from __future__ import annotations

import logging

from bot.runtime.redaction import REDACT, redact_log_records, redact_standard_streams


class RedactingFormatter(logging.Formatter):
    """Redacts the whole line, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return REDACT(super().format(record))


def configure(level: str = "INFO") -> None:
    # First the streams, so the handler below and every later print write through the redaction.
    redact_standard_streams()
    redact_log_records()
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and Bot API URLs contain the token; aiosqlite logs every
    # statement's parameters (members' phone numbers among them) by position, where no
    # field name tells the redaction what they are.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "alembic.runtime.plugins", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
