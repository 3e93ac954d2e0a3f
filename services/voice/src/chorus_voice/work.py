"""A worker thread for blocking model calls, taken highest priority first.

Whisper and Piper calls block for tens to hundreds of milliseconds and use
every core themselves (CTranslate2's and onnxruntime's own threads), so on
a small machine they run one at a time on one worker thread per kind of
model rather than in a wide pool. When several callers wait, the highest
priority goes first: a turn's final decode (the person has released the
button and waits) before another turn's partial.

A caller cancelled while its call runs stops waiting at once; the thread
cannot be interrupted, so the worker is only handed to the next caller when
the call has really finished.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from enum import IntEnum
from typing import TypeVar

T = TypeVar("T")


class Priority(IntEnum):
    BACKGROUND = 0
    PARTIAL = 1
    SYNTHESIS = 2
    FINAL = 3


class Worker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._busy = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._closed = False

    @property
    def waiting(self) -> int:
        return sum(1 for *_, fut in self._waiters if not fut.done())

    async def run(self, priority: Priority, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on the worker thread, after every waiting caller of higher priority."""
        if self._closed:
            raise RuntimeError(f"worker {self.name} is closed")
        await self._acquire(priority)
        loop = asyncio.get_running_loop()
        try:
            job: Future[T] = self._executor.submit(fn, *args)
        except BaseException:
            self._release()
            raise
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(self._release))
        return await asyncio.shield(asyncio.wrap_future(job, loop=loop))

    async def _acquire(self, priority: Priority) -> None:
        if not self._busy and not self._waiters:
            self._busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-int(priority), next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                # Handed the worker just as we were cancelled: pass it on.
                self._release()
            raise

    def _release(self) -> None:
        while self._waiters:
            *_, turn = heapq.heappop(self._waiters)
            if not turn.done():
                turn.set_result(None)
                return
        self._busy = False

    async def aclose(self) -> None:
        """Wait for the running call (if any), then stop the thread."""
        self._closed = True
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
