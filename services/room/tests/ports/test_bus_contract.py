"""The Bus contract: every adapter must pass these."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from chorus_room.adapters.memory_bus import MemoryBus
from chorus_room.adapters.redis_bus import RedisBus
from chorus_room.ports.bus import Bus, Subscription

from ..servers import RedisServer


@pytest_asyncio.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    adapter: Bus
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        redis_bus = RedisBus.from_url(server.url, queue_size=8)
        await redis_bus.start()
        adapter = redis_bus
    else:
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
    async with bus.subscribe("a") as slow, bus.subscribe("flush") as flush:
        for i in range(20):
            await bus.publish("a", bytes([i]))
        # Published after the 20: once it is here, they have all been handed out.
        await bus.publish("flush", b"done")
        assert await take(flush, 1) == [b"done"]
        assert slow.dropped > 0
        got = await take(slow, 20 - slow.dropped)
        assert got[0] == bytes([0])


@pytest.mark.asyncio
async def test_publish_without_subscribers_is_fine(bus: Bus) -> None:
    await bus.publish("nobody", b"x")
    async with bus.subscribe("nobody") as late:
        await bus.publish("nobody", b"y")
        assert await take(late, 1) == [b"y"]


@pytest.mark.asyncio
async def test_many_messages_keep_their_order(bus: Bus) -> None:
    async with bus.subscribe("a") as one, bus.subscribe("a") as two:
        for i in range(6):
            await bus.publish("a", b"x" * 100_000 + bytes([i]))
        for subscription in (one, two):
            got = await take(subscription, 6)
            assert [p[-1] for p in got] == list(range(6))


@pytest.mark.asyncio
async def test_unsubscribed_channels_stop_delivering(bus: Bus) -> None:
    async with bus.subscribe("a") as first:
        await bus.publish("a", b"1")
        assert await take(first, 1) == [b"1"]
    async with bus.subscribe("a") as second:
        await bus.publish("a", b"2")
        assert await take(second, 1) == [b"2"]
        assert second.dropped == 0
