"""Answering a button press: best effort, after the work is committed."""

from __future__ import annotations

import logging

from telegram import CallbackQuery
from telegram.error import TelegramError

from commerce import lengths

log = logging.getLogger("storelink.handlers")  # the handlers answer: their log


async def answer(query: CallbackQuery | None, text: str | None = None, *, alert: bool = False) -> None:
    """Telegram refuses answers after ~15 s ("query is too old"), e.g. for an update handled
    again after a crash. The work is done by then; a late answer is not an error.
    The text is held to Telegram's 200 units: an answer is never refused for its length."""
    if query is None:
        return
    try:
        await query.answer(lengths.shorten(text, lengths.ANSWER_TEXT) if text else text, show_alert=alert)
    except TelegramError as exc:
        log.info("button answer not delivered: %s", exc)
