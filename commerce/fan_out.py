"""Many outbox rows at once (a campaign's), written in chunks rather than one transaction.

One transaction of 100,000 rows holds its locks and its WAL for the whole write, and the
sender sees nothing until the end; a failure throws all of it away. In chunks, each
commit is short, the sender starts on the first chunk while the next is written, and a
failure leaves the chunks before it queued (the caller, who knows its audience, resumes
after them: a campaign's idempotency is its own, per member).
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable

from commerce.bots import BotKind
from commerce.outbox import OutboxMessage, SendLane
from commerce.ports.messaging import NotifySender
from commerce.ports.uow import UnitOfWorkFactory

CHUNK = 500  # rows per transaction: a few milliseconds of commit on either database


async def fan_out(uow: UnitOfWorkFactory, messages: Iterable[OutboxMessage], notify: NotifySender, *,
                  chunk: int = CHUNK) -> int:
    """Write the rows in transactions of ``chunk`` rows, telling the sender after each
    commit about the chats of that chunk (each in the lane of its most urgent row there);
    how many rows were written."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    written = 0
    rows = iter(messages)
    while part := list(itertools.islice(rows, chunk)):
        chats: dict[tuple[BotKind, int], SendLane] = {}
        for message in part:
            key, lane = (message.bot, message.chat_id), message.purpose.lane
            chats[key] = min(chats.get(key, lane), lane)
        async with uow() as tx:
            await tx.outbox.add_many(part)
            for (bot, chat_id), lane in sorted(chats.items()):
                tx.after_commit(_told(notify, bot, chat_id, lane))
            await tx.commit()
        written += len(part)
    return written


def _told(notify: NotifySender, bot: BotKind, chat_id: int, lane: SendLane) -> Callable[[], Awaitable[None]]:
    async def after_commit() -> None:
        # The rows are committed: a lost notify costs a delay (the sender's sweep finds
        # them), never the next chunk.
        try:
            await notify(bot, chat_id, lane)
        except Exception:  # noqa: BLE001
            return

    return after_commit
