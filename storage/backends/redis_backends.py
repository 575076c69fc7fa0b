"""Redis backends for dedupe, rate limiting and locks, shared by every process.

Every check-and-write is one Redis command or one Lua script, so two processes can
never both win. Keys live under a namespace prefix; rate-limit keys put the bot in a
hash tag so a bot's buckets share one cluster slot and one script can touch them all.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from commerce.ports.backends import Refusal, Slot
from storage.backends.limits import MICROS, SendLimits, is_group


@dataclass(frozen=True, slots=True)
class Keys:
    """Where each backend keeps its state in Redis."""

    namespace: str

    def dedupe(self, key: str) -> str:
        return f"{self.namespace}:dedupe:{key}"

    def lock(self, name: str) -> str:
        return f"{self.namespace}:lock:{name}"

    def bot_bucket(self, bot: str) -> str:
        return f"{self.namespace}:limit:{{{bot}}}"

    def chat_bucket(self, bot: str, chat_id: int) -> str:
        return f"{self.namespace}:limit:{{{bot}}}:chat:{chat_id}"

    def group_bucket(self, bot: str, chat_id: int) -> str:
        return f"{self.namespace}:limit:{{{bot}}}:group:{chat_id}"

    def queue(self, stream: str) -> str:
        return f"{self.namespace}:queue:{stream}"


def ttl_millis(ttl_seconds: float) -> int:
    if not ttl_seconds > 0:
        raise ValueError("ttl_seconds must be positive")
    return max(1, math.ceil(ttl_seconds * 1000))


class RedisDeduplicator:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def first_seen(self, key: str, ttl_seconds: float) -> bool:
        created = await self._redis.set(self._keys.dedupe(key), "1", nx=True, px=ttl_millis(ttl_seconds))
        return bool(created)

    async def forget(self, key: str) -> None:
        await self._redis.delete(self._keys.dedupe(key))


# KEYS: the bot bucket, then optionally the chat bucket and, for a group, the group bucket;
# last, optionally, an attempt mark. ARGV: the lane's horizon in microseconds (-1: none),
# the number of buckets, the mark's time to live in milliseconds (0: no mark), then
# interval_us and tolerance_us for each bucket, in the same order.
# Returns {wait_us, code, mark}: code 0 after reserving the slot in every bucket, 1 (the
# lane's horizon) or 2 (the chat's pace) having written nothing; limits.reserve is the same
# in Python. With a reserved slot the mark is set if absent (SET NX, the sender's attempt
# mark, attempts.Doubt): mark 1 if it was set now, 0 if it was there already. The clock is
# Redis TIME, so processes whose own clocks disagree still share one timeline. A bucket key
# expires once its TAT has passed: a missing key and a TAT in the past mean the same thing.
# (The mark's key is outside the bot's hash slot: one Redis server, not a cluster.)
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local horizon = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
local mark_ttl = tonumber(ARGV[3])
local bases = {}
local wait = 0
local bot_wait = 0
for i = 1, buckets do
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  bases[i] = tat
  local w = tat + tonumber(ARGV[2 * i + 2]) - tonumber(ARGV[2 * i + 3]) - now
  if w < 0 then w = 0 end
  if i == 1 then bot_wait = w end
  if w > wait then wait = w end
end
local send_at = now + wait
if send_at > bases[1] then return {wait, 2, 0} end
if horizon >= 0 and bot_wait > horizon then return {wait, 1, 0} end
for i = 1, buckets do
  local tat = bases[i]
  if send_at > tat then tat = send_at end
  tat = tat + tonumber(ARGV[2 * i + 2])
  local idle_ms = math.ceil((tat - now) / 1000) + 1
  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', idle_ms)
end
local fresh = 0
if mark_ttl > 0 and redis.call('SET', KEYS[buckets + 1], '1', 'NX', 'PX', mark_ttl) then fresh = 1 end
return {wait, 0, fresh}
"""
_REFUSALS = {0: None, 1: Refusal.LANE, 2: Refusal.CHAT}


class RedisRateLimiter:
    def __init__(self, redis: Redis, keys: Keys, limits: SendLimits = SendLimits()) -> None:
        self._keys = keys
        self._limits = limits
        self._reserve = redis.register_script(_RESERVE)

    async def reserve(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0) -> Slot:
        slot, _ = await self.reserve_and_mark(bot, chat_id, paid=paid, lane=lane)
        return slot

    async def reserve_and_mark(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0,
                               mark: str | None = None, mark_ttl: float = 0.0) -> tuple[Slot, bool | None]:
        """reserve(), and with the slot reserved the dedupe key `mark` set if absent (the
        Deduplicator's first_seen) in the same round trip: (the slot, whether the mark was
        set now; None when the slot was refused and nothing was written)."""
        horizon = self._limits.horizon_us(lane)
        bot_rule = self._limits.bot_rule(paid=paid, lane=lane)
        keys = [self._keys.bot_bucket(bot)]
        args = [bot_rule.interval_us, bot_rule.tolerance_us]
        if chat_id is not None:
            chat_rule = self._limits.chat_rule()
            keys.append(self._keys.chat_bucket(bot, chat_id))
            args += [chat_rule.interval_us, chat_rule.tolerance_us]
        if chat_id is not None and is_group(chat_id):
            group_rule = self._limits.group_rule()
            keys.append(self._keys.group_bucket(bot, chat_id))
            args += [group_rule.interval_us, group_rule.tolerance_us]
        buckets = len(keys)
        if mark is not None:
            keys.append(self._keys.dedupe(mark))
        head = [-1 if horizon is None else horizon, buckets, ttl_millis(mark_ttl) if mark is not None else 0]
        wait_us, code, fresh = await self._reserve(keys=keys, args=head + args)
        slot = Slot(int(wait_us) / MICROS, _REFUSALS[int(code)])
        return slot, (fresh == 1 if mark is not None and slot.reserved else None)


_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS[1]: the lock; any further keys are deleted whoever holds it (dedupe marks the holder
# is done with: release_and_forget).
_RELEASE = """
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLock:
    def __init__(self, redis: Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._refresh = redis.register_script(_REFRESH)
        self._release = redis.register_script(_RELEASE)

    async def acquire(self, name: str, ttl_seconds: float) -> str | None:
        token = secrets.token_hex(16)
        taken = await self._redis.set(self._keys.lock(name), token, nx=True, px=ttl_millis(ttl_seconds))
        return token if taken else None

    async def refresh(self, name: str, token: str, ttl_seconds: float) -> bool:
        extended = await self._refresh(keys=[self._keys.lock(name)], args=[token, ttl_millis(ttl_seconds)])
        return extended == 1

    async def release(self, name: str, token: str) -> bool:
        deleted = await self._release(keys=[self._keys.lock(name)], args=[token])
        return deleted == 1

    async def release_and_forget(self, name: str, token: str, marks: Sequence[str]) -> bool:
        """release(), and the dedupe keys `marks` forgotten (Deduplicator.forget), in one
        round trip."""
        deleted = await self._release(keys=[self._keys.lock(name), *(self._keys.dedupe(m) for m in marks)], args=[token])
        return deleted == 1
