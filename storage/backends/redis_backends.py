"""Redis backends for dedupe, rate limiting and locks, shared by every process.

Every check-and-write is one Redis command or one Lua script, so two processes can
never both win. Keys live under a namespace prefix; rate-limit keys put the bot in a
hash tag so a bot's buckets share one cluster slot and one script can touch them all.
"""

from __future__ import annotations

import math
import secrets
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


# KEYS: the bot bucket, then optionally the chat bucket and, for a group, the group bucket.
# ARGV: the lane's horizon in microseconds (-1: none), then interval_us and tolerance_us
# for each key, in the same order.
# Returns {wait_us, code}: code 0 after reserving the slot in every bucket, 1 (the lane's
# horizon) or 2 (the chat's pace) having written nothing; limits.reserve is the same in
# Python. The clock is Redis TIME, so processes whose own clocks disagree still share one
# timeline. A bucket key expires once its TAT has passed: a missing key and a TAT in the
# past mean the same thing.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local horizon = tonumber(ARGV[1])
local bases = {}
local wait = 0
local bot_wait = 0
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  bases[i] = tat
  local w = tat + tonumber(ARGV[2 * i]) - tonumber(ARGV[2 * i + 1]) - now
  if w < 0 then w = 0 end
  if i == 1 then bot_wait = w end
  if w > wait then wait = w end
end
local send_at = now + wait
if send_at > bases[1] then return {wait, 2} end
if horizon >= 0 and bot_wait > horizon then return {wait, 1} end
for i = 1, #KEYS do
  local tat = bases[i]
  if send_at > tat then tat = send_at end
  tat = tat + tonumber(ARGV[2 * i])
  local idle_ms = math.ceil((tat - now) / 1000) + 1
  redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', idle_ms)
end
return {wait, 0}
"""
_REFUSALS = {0: None, 1: Refusal.LANE, 2: Refusal.CHAT}


class RedisRateLimiter:
    def __init__(self, redis: Redis, keys: Keys, limits: SendLimits = SendLimits()) -> None:
        self._keys = keys
        self._limits = limits
        self._reserve = redis.register_script(_RESERVE)

    async def reserve(self, bot: str, chat_id: int | None, *, paid: bool = False, lane: int = 0) -> Slot:
        horizon = self._limits.horizon_us(lane)
        bot_rule = self._limits.bot_rule(paid=paid, lane=lane)
        keys = [self._keys.bot_bucket(bot)]
        args = [-1 if horizon is None else horizon, bot_rule.interval_us, bot_rule.tolerance_us]
        if chat_id is not None:
            chat_rule = self._limits.chat_rule()
            keys.append(self._keys.chat_bucket(bot, chat_id))
            args += [chat_rule.interval_us, chat_rule.tolerance_us]
        if chat_id is not None and is_group(chat_id):
            group_rule = self._limits.group_rule()
            keys.append(self._keys.group_bucket(bot, chat_id))
            args += [group_rule.interval_us, group_rule.tolerance_us]
        wait_us, code = await self._reserve(keys=keys, args=args)
        return Slot(int(wait_us) / MICROS, _REFUSALS[int(code)])


_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
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
