"""The persona-chain budget per room, shared by every instance: a sliding
window in a Redis sorted set, trimmed, counted and spent in one Lua script
(atomic; Redis's clock, so instances' clocks do not matter)."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from chorus_room.live import translated

_SPEND = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1
"""


class RedisRoomBudget:
    def __init__(self, client: Redis, *, limit: int, window_s: float) -> None:
        self._client = client
        self._limit = limit
        self._window_ms = max(1, int(window_s * 1000))
        self._spend = client.register_script(_SPEND)

    async def try_spend(self, room_id: str) -> bool:
        if self._limit <= 0:
            return False
        with translated("chain budget"):
            spent = await self._spend(
                keys=[f"chorus:budget:{room_id}"],
                args=[self._window_ms, self._limit, uuid.uuid4().hex],
            )
        return bool(spent)
