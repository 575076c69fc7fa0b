"""A chat's lease: the lock that keeps one chat's messages in order and with one worker.

A worker takes the chat's lock before reading its rows and renews it before every attempt
and while waiting. The lock lasts `ttl` seconds: a worker that dies holding it (SIGKILL, a
lost machine) keeps no chat for longer, and one that stalled past it stops before sending
instead of racing the new holder.
"""

from __future__ import annotations

import asyncio

from commerce.ports.backends import Lock

LOCK_TTL = 30.0  # seconds a chat's lease lasts; renewed before every attempt and while waiting


class LockLost(Exception):
    """Another worker holds the chat now; this one must not send."""


class ChatBusy(Exception):
    """Another worker held the chat for as long as this one waited."""


async def take(lock: Lock, name: str, ttl: float) -> str:
    """The lock's token, once this worker holds it.

    Another worker may be finishing this chat; wait for it rather than drop the job, or a
    message committed just after its last read would wait for the sweep. A dead holder's
    lease runs out within `ttl`. Held longer, the holder may be alive and busy with this
    chat (it reads our rows too) or have died after we began waiting: ChatBusy, and the job
    stays unacknowledged and is reclaimed once idle a lease long."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ttl + 1.0
    while (token := await lock.acquire(name, ttl)) is None:
        if loop.time() >= deadline:
            raise ChatBusy(name)
        await asyncio.sleep(0.02)
    return token


class Lease:
    def __init__(self, lock: Lock, name: str, token: str, ttl: float = LOCK_TTL) -> None:
        self.lock, self.name, self.token, self.ttl = lock, name, token, ttl
        self._renewed = asyncio.get_running_loop().time()  # taken (or renewed) no earlier than this
        self.marks: list[str] = []  # attempt marks of settled rows, forgotten on release

    def forget_on_release(self, mark: str) -> bool:
        """Forget a settled row's attempt mark when the lease is released, in the same
        round trip (False: this lock cannot; forget it now). Until then the mark only says
        a copy may be in the chat of a row nobody will send again."""
        if getattr(self.lock, "release_and_forget", None) is None:
            return False
        self.marks.append(mark)
        return True

    async def release(self) -> None:
        if self.marks:
            marks, self.marks = self.marks, []
            await self.lock.release_and_forget(self.name, self.token, marks)  # type: ignore[attr-defined]
        else:
            await self.lock.release(self.name, self.token)

    async def keep(self) -> None:
        """Renew unless two thirds of the lease are certainly left: a message sent right
        after the last one costs no round trip, a stall of a third of the lease does."""
        now = asyncio.get_running_loop().time()
        if now - self._renewed < self.ttl / 3:
            return
        if not await self.lock.refresh(self.name, self.token, self.ttl):
            raise LockLost(self.name)
        self._renewed = now
