from __future__ import annotations

import asyncio
import threading
import time

import pytest
from chorus_voice.work import Priority, Worker


@pytest.mark.asyncio
async def test_waiting_calls_run_highest_priority_first() -> None:
    worker = Worker("test")
    order: list[str] = []
    gate = threading.Event()

    def job(name: str) -> str:
        if name == "first":
            gate.wait(5)
        order.append(name)
        return name

    try:
        first = asyncio.create_task(worker.run(Priority.PARTIAL, job, "first"))
        await asyncio.sleep(0.05)
        waiting = [
            asyncio.create_task(worker.run(Priority.PARTIAL, job, "partial")),
            asyncio.create_task(worker.run(Priority.BACKGROUND, job, "background")),
            asyncio.create_task(worker.run(Priority.FINAL, job, "final")),
        ]
        await asyncio.sleep(0.05)
        assert worker.waiting == 3
        gate.set()
        results = await asyncio.gather(first, *waiting)
    finally:
        await worker.aclose()

    assert results == ["first", "partial", "background", "final"]
    assert order == ["first", "final", "partial", "background"]


@pytest.mark.asyncio
async def test_a_cancelled_caller_holds_the_worker_until_its_call_really_ends() -> None:
    worker = Worker("test")
    running = threading.Event()
    release = threading.Event()
    ended: list[float] = []

    def slow() -> None:
        running.set()
        release.wait(5)
        ended.append(time.monotonic())

    try:
        caller = asyncio.create_task(worker.run(Priority.PARTIAL, slow))
        await asyncio.to_thread(running.wait, 5)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        # The next call waits for the thread, not for the cancelled caller.
        next_call = asyncio.create_task(worker.run(Priority.FINAL, time.monotonic))
        await asyncio.sleep(0.05)
        assert not next_call.done()
        release.set()
        started = await next_call
    finally:
        release.set()
        await worker.aclose()

    assert started >= ended[0]


@pytest.mark.asyncio
async def test_a_caller_cancelled_while_waiting_leaves_the_queue() -> None:
    worker = Worker("test")
    release = threading.Event()
    try:
        busy = asyncio.create_task(worker.run(Priority.PARTIAL, release.wait, 5))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(worker.run(Priority.PARTIAL, lambda: "no"))
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()
        await busy
        assert await worker.run(Priority.PARTIAL, lambda: "yes") == "yes"
    finally:
        release.set()
        await worker.aclose()


@pytest.mark.asyncio
async def test_errors_come_back_to_the_caller() -> None:
    worker = Worker("test")

    def fail() -> None:
        raise ValueError("boom")

    try:
        with pytest.raises(ValueError, match="boom"):
            await worker.run(Priority.PARTIAL, fail)
        assert await worker.run(Priority.PARTIAL, lambda: 1) == 1
    finally:
        await worker.aclose()
