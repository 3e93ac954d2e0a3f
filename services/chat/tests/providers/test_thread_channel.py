from __future__ import annotations

import asyncio
import threading

import pytest
from chorus_chat.providers.llama_cpp.thread_channel import ThreadChannel

# Only a guard against a hang, however busy the machine.
HANG_GUARD_S = 30


@pytest.mark.asyncio
async def test_items_arrive_in_order_and_the_writer_waits_when_full() -> None:
    channel: ThreadChannel[int] = ThreadChannel(asyncio.get_running_loop(), capacity=2)
    written: list[int] = []
    two_written = threading.Event()

    def writer() -> None:
        for item in range(5):
            assert channel.put(item)
            written.append(item)
            if len(written) == 2:
                two_written.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert await asyncio.to_thread(two_written.wait, HANG_GUARD_S)
    await asyncio.sleep(0.05)
    assert written == [0, 1]  # blocked on the third

    received: list[int] = []
    while len(received) < 5:
        received.extend(await channel.get_many())
    await asyncio.to_thread(thread.join, HANG_GUARD_S)
    assert received == [0, 1, 2, 3, 4]


@pytest.mark.asyncio
async def test_closing_releases_a_blocked_writer() -> None:
    channel: ThreadChannel[int] = ThreadChannel(asyncio.get_running_loop(), capacity=1)
    results: list[bool] = []
    first_put = threading.Event()

    def writer() -> None:
        results.append(channel.put(1))
        first_put.set()
        results.append(channel.put(2))  # blocks until closed
        results.append(channel.put(3))

    thread = threading.Thread(target=writer)
    thread.start()
    assert await asyncio.to_thread(first_put.wait, HANG_GUARD_S)
    channel.close()
    await asyncio.to_thread(thread.join, HANG_GUARD_S)

    assert results == [True, False, False]
    assert channel.closed
