"""A bounded channel from a worker thread to the event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class ThreadChannel(Generic[T]):
    """Carries items from one worker thread to a coroutine on `loop`.

    The writer blocks once `capacity` items are unread, so a slow reader slows
    generation instead of letting memory grow. When the reader closes the
    channel, a blocked or later `put` returns False at once: that is the
    writer's signal to stop.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._loop = loop
        self._items: asyncio.Queue[T] = asyncio.Queue()
        self._slots = threading.Semaphore(capacity)
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def put(self, item: T) -> bool:
        """Thread side: hand `item` over; False when the reader has gone."""
        self._slots.acquire()
        if self._closed.is_set():
            self._slots.release()
            return False
        try:
            self._loop.call_soon_threadsafe(self._items.put_nowait, item)
        except RuntimeError:  # the loop is closed
            self._closed.set()
            return False
        return True

    async def get_many(self) -> list[T]:
        """Loop side: wait for one item, then take every item already there."""
        items = [await self._items.get()]
        while not self._items.empty():
            items.append(self._items.get_nowait())
        self._slots.release(len(items))
        return items

    def close(self) -> None:
        """Loop side: stop reading; wakes a writer blocked in `put`."""
        self._closed.set()
        self._slots.release()
