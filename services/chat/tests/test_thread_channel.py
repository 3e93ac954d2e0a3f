from __future__ import annotations

import asyncio
import threading

import pytest
from chorus_chat.thread_channel import ThreadChannel


@pytest.mark.asyncio
async def test_items_arrive_in_order_and_the_writer_waits_when_full() -> None:
    channel: ThreadChannel[int] = ThreadChannel(asyncio.get_running_loop(), capacity=2)
    written: list[int] = []

    def writer() -> None:
        for item in range(5):
            assert channel.put(item)
            written.append(item)

    thread = threading.Thread(target=writer)
    thread.start()
    await asyncio.sleep(0.1)
    assert written == [0, 1]  # blocked on the third

    received: list[int] = []
    while len(received) < 5:
        received.extend(await channel.get_many())
    await asyncio.to_thread(thread.join, 5)
    assert received == [0, 1, 2, 3, 4]


@pytest.mark.asyncio
async def test_closing_releases_a_blocked_writer() -> None:
    channel: ThreadChannel[int] = ThreadChannel(asyncio.get_running_loop(), capacity=1)
    results: list[bool] = []

    def writer() -> None:
        results.append(channel.put(1))
        results.append(channel.put(2))  # blocks until closed
        results.append(channel.put(3))

    thread = threading.Thread(target=writer)
    thread.start()
    await asyncio.sleep(0.05)
    channel.close()
    await asyncio.to_thread(thread.join, 5)

    assert results == [True, False, False]
    assert channel.closed
