"""What the sender asks before each message: send it now, hold it, or drop it.

The sender calls a SendPolicy for every outbox row just before its first attempt, under
the chat's lock. Today's policy is reachability: a member who blocked the consumer bot
gets nothing more (Telegram would refuse it with 403 anyway, at the cost of a call). This
is the one place where the next rules plug in, each a few lines over the same values:

- consent: a CAMPAIGN row to a member without marketing consent (or unsubscribed) is
  dropped, so a /stop during a running campaign takes effect for the rest of it;
- frequency caps: a member's campaign rows beyond the brand's cap per week are dropped;
- quiet hours: a CAMPAIGN row due at night in the member's store time zone is held until
  the morning (Hold), not dropped.

A Drop settles the row with its status and reason (DROPPED, or UNREACHABLE for a blocked
member, which also tells the writer as a refusal from Telegram would). A Hold leaves the
row pending, unread until its time: the rows after it in its chat go ahead meanwhile,
which is why only rows that nothing refers to (campaign rows) should ever be held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, OutboxStatus
from commerce.ports.uow import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Send:
    """Send it now."""


@dataclass(frozen=True, slots=True)
class Hold:
    """Not before ``until``; the row stays pending and is looked at again then."""

    until: datetime


@dataclass(frozen=True, slots=True)
class Drop:
    """Never send it: the row settles with ``status`` and ``reason`` as its error."""

    reason: str
    status: OutboxStatus = OutboxStatus.DROPPED


SEND = Send()
Decision = Send | Hold | Drop


class Reachability:
    """Today's SendPolicy: nothing goes to a member known to have blocked the consumer bot.
    Messages to associates, and to people who are not members (yet), are sent."""

    def __init__(self, uow: UnitOfWorkFactory, brand_id: int) -> None:
        self.uow, self.brand_id = uow, brand_id

    async def decide(self, message: OutboxMessage, now: datetime) -> Decision:
        if message.bot is not BotKind.CONSUMER:
            return SEND
        async with self.uow() as uow:
            member = await uow.members.by_telegram_user(self.brand_id, message.chat_id)
        if member is None or member.reachable:
            return SEND
        return Drop("blocked", OutboxStatus.UNREACHABLE)
