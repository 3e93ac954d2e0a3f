"""Fair, bounded admission to a model."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from chorus_chat import metrics
from chorus_chat.errors import ChatError, ErrorCode


class ModelGate:
    """FIFO admission: `capacity` requests run at once, at most `max_waiting` wait.

    A released slot is handed straight to the oldest waiter, so nobody can
    overtake the queue. A request over the waiting limit fails at once with a
    retryable OVERLOADED error rather than waiting without bound. The gate
    reports its queue (depth, waits, refusals) under the model's name.
    """

    def __init__(self, name: str, *, capacity: int, max_waiting: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._name = name
        self._free = capacity
        self._max_waiting = max_waiting
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._queue_wait = metrics.QUEUE_WAIT.labels(name)
        self._queue_depth = metrics.QUEUE_DEPTH.labels(name)
        self._rejected = metrics.REJECTED.labels(name)

    @property
    def waiting(self) -> int:
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            self._queue_wait.observe(0.0)
            return
        if self.waiting >= self._max_waiting:
            self._rejected.inc()
            raise ChatError(
                ErrorCode.OVERLOADED,
                f"model {self._name} is busy: {self.waiting} request(s) already waiting",
            )
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        queued_at = time.monotonic()
        self._queue_depth.inc()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                # Granted and cancelled at once: pass the slot on.
                self.release()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise
        finally:
            self._queue_depth.dec()
        self._queue_wait.observe(time.monotonic() - queued_at)

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
