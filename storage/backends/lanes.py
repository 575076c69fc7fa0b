"""The sender's queue in lanes: one durable work queue per lane, taken in lane order.

A campaign of 100,000 messages is 100,000 jobs in the last lane; a reply queued behind
them is a job in the first lane, and every consumer, in every process, looks at the first
lane before the others, so the reply is taken next whatever the backlog. Each lane keeps
its queue's guarantees (at-least-once, reclaim of a dead consumer's jobs); only the
blocking wait differs by kind: it must wake for a job in any of the lanes asked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence

from commerce.outbox import SendLane
from commerce.ports.backends import Job, WorkQueue

# Blocks until a job of one of the lanes may be there (or block_ms passes); the jobs it
# took, if any, tagged with their lanes.
WaitAny = Callable[[Sequence[int], str, int, int], Awaitable[Sequence[Job]]]
# Takes up to `count` jobs at once without waiting, earlier lanes first (one round trip on
# Redis); None: the lanes are read one by one.
TakeInOrder = Callable[[Sequence[int], str, int], Awaitable[Sequence[Job]]]


def lane_streams(stream: str) -> list[str]:
    """The first lane keeps the queue's old name, so jobs published before lanes existed
    (or by a process of that version still running) are taken as 1:1 jobs."""
    return [stream if lane is SendLane.CONVERSATION else f"{stream}:{lane.name.lower()}" for lane in SendLane]


class LaneQueue:
    def __init__(self, queues: Sequence[WorkQueue], wait_any: WaitAny, take_in_order: TakeInOrder | None = None) -> None:
        if not queues:
            raise ValueError("a lane queue needs at least one lane")
        self.queues = list(queues)
        self._wait_any = wait_any
        self._take_in_order = take_in_order
        # (consumer, lanes) whose last read waited and found nothing: the next read of the
        # same lanes waits at once (a blocking read returns at once when jobs are there).
        self._idle: set[tuple[str, tuple[int, ...]]] = set()

    def _lanes(self, lanes: Sequence[int] | None) -> list[int]:
        chosen = sorted(set(range(len(self.queues)) if lanes is None else lanes))
        if not chosen or chosen[0] < 0 or chosen[-1] >= len(self.queues):
            raise ValueError(f"no such lanes: {lanes!r}")
        return chosen

    def _queue(self, lane: int) -> WorkQueue:
        return self.queues[self._lanes([lane])[0]]

    async def publish(self, payload: Mapping[str, str], lane: int = 0) -> str:
        return await self._queue(lane).publish(payload)

    async def consume(self, consumer: str, count: int, block_ms: int, *,
                      lanes: Sequence[int] | None = None) -> Sequence[Job]:
        chosen = self._lanes(lanes)
        idle = (consumer, tuple(chosen))
        if block_ms > 0 and idle in self._idle:
            # Nothing came during the last wait: wait again at once. Jobs that came since
            # are returned at once, from every lane that has some, earliest lanes first.
            jobs = await self._wait_any(chosen, consumer, count, block_ms)
        else:
            jobs = await self._in_order(chosen, consumer, count)
            if not jobs and block_ms > 0:
                jobs = await self._wait_any(chosen, consumer, count, block_ms)
        if jobs:
            self._idle.discard(idle)
        elif block_ms > 0:
            self._idle.add(idle)
        return jobs

    async def _in_order(self, chosen: Sequence[int], consumer: str, count: int) -> list[Job]:
        """Up to `count` jobs without waiting, earlier lanes first."""
        if self._take_in_order is not None:
            return list(await self._take_in_order(chosen, consumer, count))
        jobs: list[Job] = []
        for lane in chosen:
            taken = await self.queues[lane].consume(consumer, count - len(jobs), 0)
            jobs += [dataclasses.replace(job, lane=lane) for job in taken]
            if len(jobs) >= count:
                break
        return jobs

    async def ack(self, job_id: str, lane: int = 0) -> None:
        await self._queue(lane).ack(job_id)

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> Sequence[Job]:
        jobs: list[Job] = []
        for lane, queue in enumerate(self.queues):
            if len(jobs) >= count:
                break
            taken = await queue.reclaim(consumer, min_idle_ms, count - len(jobs))
            jobs += [dataclasses.replace(job, lane=lane) for job in taken]
        return jobs

    async def depth(self, lane: int | None = None) -> int:
        if lane is not None:
            return await self._queue(lane).depth()
        return sum([await queue.depth() for queue in self.queues])
