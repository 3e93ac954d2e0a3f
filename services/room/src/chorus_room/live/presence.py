"""Who is online in a room, across instances, with expiry: a Redis sorted set
per room whose members are ``participant|instance`` scored by the time they
expire. Each instance refreshes its own entries every ``ttl_s / 3``; a
crashed instance's members expire ``ttl_s`` after its last refresh, and the
surviving instances report them gone (``on_expired``)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from chorus_room.live import translated
from chorus_room.ports.live import LiveStateError

log = logging.getLogger("chorus.room.presence")

_NOW = """
local t = redis.call('TIME')
return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
# KEYS[1] zset; ARGV: ttl ms, member, participant prefix ("pid|").
# Adds member; returns how many other live entries the participant has.
_CONNECT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local others = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= ARGV[2] and string.sub(m, 1, string.len(ARGV[3])) == ARGV[3] then
    others = others + 1
  end
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return others
"""
# KEYS[1] zset; ARGV: member, participant prefix. Removes member; returns how
# many live entries the participant still has.
_DISCONNECT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[1], ARGV[1])
local left = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  if string.sub(m, 1, string.len(ARGV[2])) == ARGV[2] then left = left + 1 end
end
return left
"""
# KEYS[1] zset. Removes expired entries, returns their members.
_EXPIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
return gone
"""


def _key(room_id: str) -> str:
    return f"chorus:presence:{room_id}"


def _participant(member: object) -> str:
    """``participant|instance`` → participant."""
    text = member.decode() if isinstance(member, bytes) else str(member)
    return text.rsplit("|", 1)[0]


class RedisPresence:
    def __init__(
        self,
        client: Redis,
        *,
        ttl_s: float = 15.0,
        instance_id: str = "",
        on_expired: Callable[[str, str], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._ttl_ms = max(1000, int(ttl_s * 1000))
        self._instance = instance_id or uuid.uuid4().hex[:12]
        self._on_expired = on_expired
        self._local: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._connect = client.register_script(_CONNECT)
        self._disconnect = client.register_script(_DISCONNECT)
        self._expire = client.register_script(_EXPIRE)
        self._now = client.register_script(_NOW)
        self._refresher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh_loop(), name="presence-refresh")

    def _member(self, participant_id: str) -> str:
        return f"{participant_id}|{self._instance}"

    async def connect(self, room_id: str, participant_id: str) -> bool:
        counts = self._local[room_id]
        counts[participant_id] += 1
        with translated("presence"):  # counted here: the next refresh writes it
            others = await self._connect(
                keys=[_key(room_id)],
                args=[self._ttl_ms, self._member(participant_id), f"{participant_id}|"],
            )
        return counts[participant_id] == 1 and int(others) == 0

    async def disconnect(self, room_id: str, participant_id: str) -> bool:
        counts = self._local.get(room_id)
        if counts is None or counts[participant_id] <= 0:
            return False
        counts[participant_id] -= 1
        if counts[participant_id] > 0:
            return False
        del counts[participant_id]
        if not counts:
            del self._local[room_id]
        with translated("presence"):  # not refreshed any more: it expires
            left = await self._disconnect(
                keys=[_key(room_id)], args=[self._member(participant_id), f"{participant_id}|"]
            )
        return int(left) == 0

    async def online(self, room_id: str) -> list[str]:
        with translated("presence"):
            now = int(await self._now())
            members = await self._client.zrangebyscore(_key(room_id), now, "+inf")
        return sorted({_participant(m) for m in members})

    async def refresh(self) -> None:
        """Push this instance's entries' expiry forward; report the members
        of its rooms that expired elsewhere (a crashed instance's)."""
        rooms = {room: list(counts) for room, counts in self._local.items()}
        for room_id, participants in rooms.items():
            with translated("presence refresh"):
                async with self._client.pipeline(transaction=False) as pipe:
                    now = int(await self._now())
                    for pid in participants:
                        pipe.zadd(_key(room_id), {self._member(pid): now + self._ttl_ms})
                    pipe.pexpire(_key(room_id), self._ttl_ms * 2)
                    await pipe.execute()
                gone = await self._expire(keys=[_key(room_id)])
            if self._on_expired is None:
                continue
            still = set(await self.online(room_id))
            for pid in sorted({_participant(m) for m in gone} - still):
                await self._on_expired(room_id, pid)

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            try:
                await self.refresh()
            except LiveStateError as exc:
                log.warning("presence refresh failed: %s", exc)

    async def aclose(self) -> None:
        refresher, self._refresher = self._refresher, None
        if refresher is not None:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
