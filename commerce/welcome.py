"""The welcome message a new member reads, in their associate's voice."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

from commerce.people import Associate, AuditEntry
from commerce.ports.uow import UnitOfWork

PLACEHOLDERS = frozenset({"member", "associate", "store", "brand"})
WELCOME_LIMIT = 1000  # characters; the whole welcome must stay far below Telegram's 4096


@dataclass(frozen=True, slots=True)
class WelcomeProblem:
    reason: str  # "too_long" | "bad_placeholder" | "bad_braces"
    detail: str = ""


def check_welcome(text: str) -> WelcomeProblem | None:
    if len(text) > WELCOME_LIMIT:
        return WelcomeProblem("too_long", str(len(text)))
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return WelcomeProblem("bad_braces")
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            return WelcomeProblem("bad_placeholder", "{" + name + "}")
    return None


async def set_welcome(uow: UnitOfWork, associate: Associate, text: str | None, now: datetime) -> WelcomeProblem | None:
    """None resets to the brand's message."""
    if text is not None and (problem := check_welcome(text)) is not None:
        return problem
    associate.welcome_text = text
    await uow.associates.update(associate)
    await uow.audit.record(AuditEntry(at=now, actor=f"associate:{associate.id}", action="associate.welcome_changed", subject=f"associate:{associate.id}"))
    return None
