"""Fair, bounded admission to a model."""

from __future__ import annotations

import asyncio
from collections import deque

from chorus_chat.errors import ChatError, ErrorCode


class ModelGate:
    """FIFO admission: `capacity` requests run at once, at most `max_waiting` wait.

    A released slot is handed straight to the oldest waiter, so nobody can
    overtake the queue. A request over the waiting limit fails at once with a
    retryable OVERLOADED error rather than waiting without bound.
    """

    def __init__(self, name: str, *, capacity: int, max_waiting: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._name = name
        self._free = capacity
        self._max_waiting = max_waiting
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        if self.waiting >= self._max_waiting:
            raise ChatError(
                ErrorCode.OVERLOADED,
                f"model {self._name} is busy: {self.waiting} request(s) already waiting",
            )
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Granted and cancelled at once: pass the slot on.
                self.release()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
