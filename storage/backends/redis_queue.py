"""A durable at-least-once work queue on a Redis stream with one consumer group.

A job stays in the stream until it is acknowledged; ack removes it (XACK + XDEL in
one transaction), so the stream holds exactly the unacknowledged jobs and XLEN is
the queue's depth. Nothing is ever trimmed by length: MAXLEN would drop jobs that no
one has finished yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from commerce.ports.backends import Job
from storage.backends.lanes import LaneQueue

T = TypeVar("T")

# KEYS[1]: stream. ARGV: group, consumer, min_idle_ms, count.
# XAUTOCLAIM bumps each claimed entry's delivery counter; XPENDING then reads it so
# the caller learns how often the job has been tried. Entries deleted from the stream
# while pending (Redis < 7 reports them as nil) are acked so they stop coming back.
_RECLAIM = """
local want = tonumber(ARGV[4])
local claimed = {}
local cursor = '0-0'
repeat
  local reply = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor,
                           'COUNT', want - #claimed)
  cursor = reply[1]
  for _, entry in ipairs(reply[2]) do
    if type(entry) == 'table' and type(entry[2]) == 'table' then
      local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
      local deliveries = pending[1] and pending[1][4] or 1
      claimed[#claimed + 1] = {entry[1], entry[2], deliveries}
    elseif type(entry) == 'table' then
      redis.call('XACK', KEYS[1], ARGV[1], entry[1])
    end
  end
until cursor == '0-0' or #claimed >= want
return claimed
"""


# KEYS: the lanes' streams, earliest first. ARGV: group, consumer, count.
# Reads each stream's new entries in turn until `count` are taken: the lanes in priority
# order in one round trip. Returns {lane index (from 0), id, fields} for each.
_TAKE_IN_ORDER = """
local want = tonumber(ARGV[3])
local taken = {}
for i = 1, #KEYS do
  if #taken >= want then break end
  local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', want - #taken, 'STREAMS', KEYS[i], '>')
  if reply then
    for _, entry in ipairs(reply[1][2]) do
      taken[#taken + 1] = {i - 1, entry[1], entry[2]}
    end
  end
end
return taken
"""


class RedisWorkQueue:
    def __init__(self, redis: Redis, stream: str, group: str) -> None:
        self._redis = redis
        self.stream = stream
        self.group = group
        self._reclaim = redis.register_script(_RECLAIM)

    async def ensure_group(self) -> None:
        """Create the stream and the group if missing. Starting at id 0 hands the group
        any jobs published before it existed."""
        try:
            await self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                raise

    async def publish(self, payload: Mapping[str, str]) -> str:
        if not payload:
            raise ValueError("a job needs at least one field")
        return await self._redis.xadd(self.stream, dict(payload))

    async def consume(self, consumer: str, count: int, block_ms: int) -> Sequence[Job]:
        """block_ms <= 0 returns at once; otherwise waits up to block_ms for a first job."""
        _check_count(count)
        reply = await self._with_group(
            lambda: self._redis.xreadgroup(
                self.group,
                consumer,
                {self.stream: ">"},
                count=count,
                block=block_ms if block_ms > 0 else None,
            )
        )
        if not reply:
            return []
        [(_stream, entries)] = reply
        return [Job(job_id, fields, 1) for job_id, fields in entries]

    async def ack(self, job_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, self.group, job_id)
            pipe.xdel(self.stream, job_id)
            await pipe.execute()

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> Sequence[Job]:
        _check_count(count)
        claimed = await self._with_group(
            lambda: self._reclaim(keys=[self.stream], args=[self.group, consumer, max(0, min_idle_ms), count])
        )
        return [Job(job_id, _pairs(fields), int(deliveries)) for job_id, fields, deliveries in claimed]

    async def depth(self) -> int:
        return await self._redis.xlen(self.stream)

    async def _with_group(self, call: Callable[[], Awaitable[T]]) -> T:
        # The stream key can vanish (an operator deletes it, Redis restarts without
        # persistence): recreate the group rather than failing every call after.
        try:
            return await call()
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
        await self.ensure_group()
        return await call()


def redis_lanes(redis: Redis, streams: Sequence[str], group: str) -> LaneQueue:
    """The sender's lanes on Redis: a stream per lane, one consumer group on each. A read
    takes the lanes in order in one script; a consumer that found every lane empty blocks
    on all of them in one XREADGROUP, and after a wait that brought nothing, waits again
    straight away (one round trip per read either way)."""
    queues = [RedisWorkQueue(redis, stream, group) for stream in streams]

    async def wait_any(lanes: Sequence[int], consumer: str, count: int, block_ms: int) -> Sequence[Job]:
        read = lambda: redis.xreadgroup(group, consumer, {queues[lane].stream: ">" for lane in lanes},  # noqa: E731
                                        count=count, block=block_ms)
        try:
            reply = await read()
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            for lane in lanes:
                await queues[lane].ensure_group()
            reply = await read()
        lane_of = {queues[lane].stream: lane for lane in lanes}
        jobs = [Job(job_id, fields, 1, lane_of[stream]) for stream, entries in reply or [] for job_id, fields in entries]
        # COUNT is per stream: every job read is this consumer's now, so all are returned.
        return sorted(jobs, key=lambda job: job.lane)

    take = redis.register_script(_TAKE_IN_ORDER)

    async def take_in_order(lanes: Sequence[int], consumer: str, count: int) -> Sequence[Job]:
        streams = [queues[lane].stream for lane in lanes]
        try:
            reply = await take(keys=streams, args=[group, consumer, count])
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            for lane in lanes:
                await queues[lane].ensure_group()
            reply = await take(keys=streams, args=[group, consumer, count])
        return [Job(job_id, _pairs(fields), 1, lanes[int(index)]) for index, job_id, fields in reply]

    return LaneQueue(queues, wait_any, take_in_order)


def _pairs(flat: list[Any]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError("count must be at least 1")
