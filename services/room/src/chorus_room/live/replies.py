"""Replies streaming now, across instances: a Redis hash per room (reply id
→ deadline + ``ActiveReply`` with its text so far). The instance running a
reply writes it (at most every ``flush_s`` per reply, and again before the
deadline while the model is quiet); a crashed instance's replies pass their
deadline and are no longer listed."""

from __future__ import annotations

import asyncio
import logging
import struct
import time

from chorus.v1 import room_pb2
from redis.asyncio import Redis

from chorus_room.live import translated
from chorus_room.ports.live import LiveStateError

log = logging.getLogger("chorus.room.replies")

_DEADLINE = struct.Struct(">q")


def _key(room_id: str) -> str:
    return f"chorus:replies:{room_id}"


class RedisActiveReplies:
    def __init__(self, client: Redis, *, ttl_s: float = 15.0, flush_s: float = 0.1) -> None:
        self._client = client
        self._ttl_ms = max(1000, int(ttl_s * 1000))
        self._flush_s = flush_s
        #: This instance's replies: (room, reply id) → (reply, last written).
        self._mine: dict[tuple[str, str], tuple[room_pb2.ActiveReply, float]] = {}
        #: Replies whose newest text is not written yet.
        self._dirty: set[tuple[str, str]] = set()
        self._refresher: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._refresher = asyncio.create_task(self._refresh_loop(), name="replies-refresh")

    async def update(self, room_id: str, reply: room_pb2.ActiveReply) -> None:
        key = (room_id, reply.reply_id)
        previous = self._mine.get(key)
        now = time.monotonic()
        if previous is not None and now - previous[1] < self._flush_s:
            self._mine[key] = (reply, previous[1])  # written by the next flush
            self._dirty.add(key)
            return
        self._mine[key] = (reply, now)
        self._dirty.discard(key)
        await self._write(room_id, reply)

    async def _write(self, room_id: str, reply: room_pb2.ActiveReply) -> None:
        deadline = int(time.time() * 1000) + self._ttl_ms
        value = _DEADLINE.pack(deadline) + reply.SerializeToString()
        with translated("active replies"):
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hset(_key(room_id), reply.reply_id, value)
                pipe.pexpire(_key(room_id), self._ttl_ms * 2)
                await pipe.execute()

    async def finish(self, room_id: str, reply_id: str) -> None:
        self._mine.pop((room_id, reply_id), None)
        self._dirty.discard((room_id, reply_id))
        with translated("active replies"):
            await self._client.hdel(_key(room_id), reply_id)

    async def active(self, room_id: str) -> list[room_pb2.ActiveReply]:
        with translated("active replies"):
            entries = await self._client.hgetall(_key(room_id))
        now = int(time.time() * 1000)
        out = []
        for raw in entries.values():
            value = raw if isinstance(raw, bytes) else str(raw).encode()
            (deadline,) = _DEADLINE.unpack_from(value)
            if deadline >= now:
                reply = room_pb2.ActiveReply()
                reply.ParseFromString(value[_DEADLINE.size :])
                out.append(reply)
        return sorted(out, key=lambda r: r.reply_id)

    async def flush(self, *, all_: bool = True) -> None:
        """Write this instance's replies (their newest text, a new deadline):
        all of them, or only those with text not written yet."""
        now = time.monotonic()
        for key, (reply, written) in list(self._mine.items()):
            if all_ or key in self._dirty or now - written > self._ttl_ms / 3000:
                self._mine[key] = (reply, now)
                self._dirty.discard(key)
                await self._write(key[0], reply)

    async def _refresh_loop(self) -> None:
        # Text held back by ``update`` is written within about ``flush_s``;
        # every reply's deadline is pushed forward every ttl / 3.
        while True:
            await asyncio.sleep(max(self._flush_s, 0.05))
            try:
                await self.flush(all_=False)
            except LiveStateError as exc:
                log.warning("active replies refresh failed: %s", exc)

    async def aclose(self) -> None:
        refresher, self._refresher = self._refresher, None
        if refresher is not None:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
