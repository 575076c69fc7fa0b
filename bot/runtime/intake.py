"""What the ingress accepts: each update screened before it is recorded.

Telegram's updates are JSON objects, but a webhook body is anyone's input, and any text a
person writes reaches us inside one. Screening decides, for every body:

- **refused**: not an update at all (not an object, no update_id that fits the inbox's
  64-bit column): nothing is recorded; the webhook answers 400;
- **rejected**: an update, but not a usable one (a chat that is a string, a sender that is
  a list, numbers that are not finite, nesting deeper than any real update): recorded as
  REJECTED with the reason, never handled, so it can neither loop nor block its chat;
- **accepted**: recorded and handled.

Text is **sanitised, not stored losslessly**: U+0000 and lone surrogates (which JSON can
spell as escapes) become U+FFFD in the recorded update and in the update handled alike.
PostgreSQL holds neither in jsonb or text columns, so storing them would fail at every
later write of the same words (history, names), and no person means anything by them.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update

MAX_DEPTH = 32  # real updates nest about 8 deep (a reply's quoted message's entities)
MAX_ID = 2**63 - 1  # the inbox's update_id and chat_id columns are signed 64-bit
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


class Refused(ValueError):
    """A body that is not a Telegram update: nothing is recorded."""


@dataclass(frozen=True, slots=True)
class Screened:
    update_id: int
    payload: dict[str, Any]  # sanitised; what is recorded
    chat_id: int = 0  # whose updates are handled in order with it (0: none)
    update: Update | None = None  # parsed, for an accepted update
    rejected: str | None = None  # why it will not be handled
    # Handled at once, outside its chat's order (chat_id 0: in no chat's queue): Telegram
    # cancels a payment whose pre_checkout_query is not answered within 10 s, however busy
    # the member's chat is.
    urgent: bool = False


def screen(raw: Any, bot: Bot) -> Screened:
    """Raises Refused for a body that is not an update."""
    if not isinstance(raw, dict):
        raise Refused("not a JSON object")
    update_id = raw.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_ID:
        raise Refused("no update_id that is a 64-bit integer")
    problem: list[str] = []
    payload = _sanitised(raw, 0, problem)
    if problem:
        return Screened(update_id, {"update_id": update_id}, rejected=problem[0])
    try:
        update = Update.de_json(payload, bot)
    except Exception as exc:  # PTB's parsing of an odd structure: TypeError, AttributeError...
        return Screened(update_id, payload, rejected=f"not a Telegram update ({type(exc).__name__})")
    chat_id, problem_with_chat = _chat_of(update)
    if problem_with_chat:
        return Screened(update_id, payload, rejected=problem_with_chat)
    if update.pre_checkout_query is not None:
        return Screened(update_id, payload, 0, update, urgent=True)
    return Screened(update_id, payload, chat_id, update)


def _sanitised(value: Any, depth: int, problem: list[str]) -> Any:
    if problem:
        return None
    if isinstance(value, str):
        return _UNSTORABLE_TEXT.sub(REPLACEMENT, value) if _UNSTORABLE_TEXT.search(value) else value
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            problem.append(f"nested deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(value, list):
            return [_sanitised(item, depth + 1, problem) for item in value]
        return {_sanitised(str(k), depth, problem): _sanitised(v, depth + 1, problem) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        problem.append("a number that is not finite")
        return None
    return value


def _chat_of(update: Update) -> tuple[int, str | None]:
    """The chat (or, for chat-less updates such as inline queries, the person) whose
    updates are handled one after another."""
    chat, user = update.effective_chat, update.effective_user
    for holder, what in ((chat, "chat"), (user, "sender")):
        if holder is None:
            continue
        ident = holder.id
        if type(ident) is not int or not -MAX_ID <= ident <= MAX_ID:
            return 0, f"the {what} id is not a 64-bit integer"
        return ident, None
    return 0, None


class IntakeWatch:
    """Whether updates known to be waiting (a getUpdates batch, a webhook call that could
    not be recorded) are being recorded: /healthz reports an intake that stopped moving."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._waiting_since: dict[Any, float] = {}  # bot -> since when nothing was recorded

    def waiting(self, bot: Any) -> None:
        self._waiting_since.setdefault(bot, self._now())

    def recorded(self, bot: Any, *, more_waiting: bool = False) -> None:
        if more_waiting:
            self._waiting_since[bot] = self._now()
        else:
            self._waiting_since.pop(bot, None)

    def stalled(self, after: float) -> dict[Any, float]:
        """Bots whose waiting updates have not moved for `after` seconds, and for how long."""
        now = self._now()
        return {bot: now - since for bot, since in self._waiting_since.items() if now - since >= after}
