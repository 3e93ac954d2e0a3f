"""The Bus contract: every adapter must pass these."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from chorus_room.adapters.memory_bus import MemoryBus
from chorus_room.ports.bus import Bus, Subscription


@pytest_asyncio.fixture(params=["memory"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    adapter = MemoryBus(queue_size=8)
    yield adapter
    await adapter.aclose()


async def take(subscription: Subscription, n: int) -> list[bytes]:
    out: list[bytes] = []
    async with asyncio.timeout(5):
        async for payload in subscription:
            out.append(payload)
            if len(out) == n:
                break
    return out


@pytest.mark.asyncio
async def test_every_subscriber_gets_every_message_in_order(bus: Bus) -> None:
    async with bus.subscribe("a") as one, bus.subscribe("a") as two:
        for i in range(5):
            await bus.publish("a", bytes([i]))
        assert await take(one, 5) == [bytes([i]) for i in range(5)]
        assert await take(two, 5) == [bytes([i]) for i in range(5)]


@pytest.mark.asyncio
async def test_channels_are_separate(bus: Bus) -> None:
    async with bus.subscribe("a") as a, bus.subscribe("b") as b:
        await bus.publish("a", b"for-a")
        await bus.publish("b", b"for-b")
        assert await take(a, 1) == [b"for-a"]
        assert await take(b, 1) == [b"for-b"]


@pytest.mark.asyncio
async def test_a_lagging_subscriber_drops_and_counts(bus: Bus) -> None:
    async with bus.subscribe("a") as slow:
        for i in range(20):
            await bus.publish("a", bytes([i]))
        assert slow.dropped > 0
        got = await take(slow, 20 - slow.dropped)
        assert got[0] == bytes([0])


@pytest.mark.asyncio
async def test_publish_without_subscribers_is_fine(bus: Bus) -> None:
    await bus.publish("nobody", b"x")
    async with bus.subscribe("nobody") as late:
        await bus.publish("nobody", b"y")
        assert await take(late, 1) == [b"y"]
