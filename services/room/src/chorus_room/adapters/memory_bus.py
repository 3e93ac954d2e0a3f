"""The in-process Bus: one bounded queue per subscriber, for a single instance."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class MemorySubscription:
    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize)
        self._dropped = 0

    def offer(self, payload: bytes) -> None:
        try:
            self._queue.put_nowait(payload)
        except asyncio.QueueFull:
            self._dropped += 1

    @property
    def dropped(self) -> int:
        return self._dropped

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield await self._queue.get()


class MemoryBus:
    def __init__(self, queue_size: int = 4096) -> None:
        self._queue_size = queue_size
        self._subscribers: defaultdict[str, set[MemorySubscription]] = defaultdict(set)

    async def publish(self, channel: str, payload: bytes) -> None:
        for subscription in tuple(self._subscribers.get(channel, ())):
            subscription.offer(payload)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[MemorySubscription]:
        subscription = MemorySubscription(self._queue_size)
        self._subscribers[channel].add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscribers[channel]
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[channel]

    async def aclose(self) -> None:
        self._subscribers.clear()
