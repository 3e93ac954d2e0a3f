"""The Redis bus beyond the shared contract: two instances, and Redis
restarting under a stream (the subscriber is told, and resyncs by seq)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from chorus.v1 import room_pb2
from chorus_common.metrics import sample
from chorus_room.adapters.redis_bus import WAKE, RedisBus
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.bus_resync import ResyncingBus
from chorus_room.events import channel, room_of
from chorus_room.ports.bus import Subscription
from chorus_room.ports.store import RoomRecord
from prometheus_client import REGISTRY

from ..servers import RedisServer


async def started(url: str) -> RedisBus:
    bus = RedisBus.from_url(url, queue_size=64)
    await bus.start()
    return bus


async def take(subscription: Subscription, n: int, within: float = 10) -> list[bytes]:
    out: list[bytes] = []
    async with asyncio.timeout(within):
        async for payload in subscription:
            out.append(payload)
            if len(out) == n:
                break
    return out


async def eventually(condition: Callable[[], bool], within: float = 10) -> None:
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def own_redis(tmp_path: Path) -> RedisServer:
    """A redis-server of this test's own (it gets killed)."""
    server = RedisServer(tmp_path)
    server.start()
    return server


@pytest_asyncio.fixture
async def two_buses(redis_server: RedisServer) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    one, two = await started(redis_server.url), await started(redis_server.url)
    yield one, two
    await one.aclose()
    await two.aclose()


@pytest.mark.asyncio
async def test_a_message_reaches_every_instance_in_order(
    two_buses: tuple[RedisBus, RedisBus],
) -> None:
    one, two = two_buses
    async with one.subscribe("room") as here, two.subscribe("room") as there:
        for i in range(50):
            await one.publish("room", f"{i}".encode())
        expected = [f"{i}".encode() for i in range(50)]
        assert await take(here, 50) == expected
        assert await take(there, 50) == expected


@pytest.mark.asyncio
async def test_a_redis_restart_is_survived_and_told(own_redis: RedisServer) -> None:
    bus = await started(own_redis.url)
    reconnects = sample(REGISTRY, "chorus_room_bus_reconnects_total")
    try:
        async with bus.subscribe("room") as subscription:
            await bus.publish("room", b"before")
            assert await take(subscription, 1) == [b"before"]
            own_redis.stop()
            await bus.publish("room", b"lost")  # nowhere to go: dropped, counted
            own_redis.start()
            # Back without a restart of ours: resubscribed, and told of the gap.
            assert await take(subscription, 1) == [WAKE]
            assert subscription.dropped == 1 and bus.connects == 2
            assert sample(REGISTRY, "chorus_room_bus_reconnects_total") == reconnects + 1
            await eventually(lambda: bus.publish_dropped >= 1)
            await bus.publish("room", b"after")
            assert await take(subscription, 1) == [b"after"]
    finally:
        await bus.aclose()
        own_redis.stop()


@pytest.mark.asyncio
async def test_a_subscriber_resyncs_from_the_store_after_a_restart(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    """Durable events published while Redis was down are not lost: the
    subscriber is handed the room's newest event, and its reader fills the gap
    by seq from the store."""
    store = await SqliteStore.open(str(tmp_path / "room.db"))
    inner = await started(own_redis.url)
    bus = ResyncingBus(inner, store, room_of)
    await store.create_room(RoomRecord("r1", "Lab", "", 1, "i", "o"))

    async def append(text: str) -> int:
        event = room_pb2.RoomEvent(message=room_pb2.Message(id=text, text=text), at_ms=1)
        stored = (await store.append("r1", event)).event
        await bus.publish(channel("r1"), room_pb2.BusMessage(event=stored).SerializeToString())
        return stored.seq

    def seq_of(payload: bytes) -> int:
        message = room_pb2.BusMessage()
        message.ParseFromString(payload)
        return message.event.seq

    try:
        async with bus.subscribe(channel("r1")) as subscription:
            assert await append("one") == 1
            assert [seq_of(p) for p in await take(subscription, 1)] == [1]
            own_redis.stop()
            await append("two")
            await append("three")
            own_redis.start()
            resyncs = sample(REGISTRY, "chorus_room_bus_resyncs_total")
            # The newest event, 3: the reader sees 2 is missing and reads it.
            assert [seq_of(p) for p in await take(subscription, 1)] == [3]
            assert sample(REGISTRY, "chorus_room_bus_resyncs_total") == resyncs + 1
            await append("four")
            assert [seq_of(p) for p in await take(subscription, 1)] == [4]
    finally:
        await bus.aclose()
        await store.aclose()
        own_redis.stop()


@pytest.mark.asyncio
async def test_a_bus_started_while_redis_is_down_connects_later(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    bus = RedisBus.from_url(server.url)
    await bus.start(timeout_s=0.3)
    try:
        assert not bus.connected
        async with bus.subscribe("room") as subscription:
            server.start()
            assert await take(subscription, 1) == [WAKE]
            await bus.publish("room", b"hello")
            assert await take(subscription, 1) == [b"hello"]
    finally:
        await bus.aclose()
        server.stop()


@pytest.mark.asyncio
async def test_a_leave_and_a_join_at_once_stay_subscribed(redis_server: RedisServer) -> None:
    bus = await started(redis_server.url)
    try:
        for _ in range(20):
            leaving = bus.subscribe("churn")
            await leaving.__aenter__()
            joining = bus.subscribe("churn")
            left, joined = await asyncio.gather(
                leaving.__aexit__(None, None, None), joining.__aenter__()
            )
            assert not left
            await bus.publish("churn", b"still here")
            assert await take(joined, 1) == [b"still here"]
            await joining.__aexit__(None, None, None)
    finally:
        await bus.aclose()
