"""Shared live state on a real redis-server: two instances see one budget,
one presence (with expiry of a crashed instance), one list of streaming
replies, and an interrupt sent on one reaches the other."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from chorus.v1 import room_pb2
from chorus_room.adapters.redis_bus import RedisBus
from chorus_room.live.budget import RedisRoomBudget
from chorus_room.live.interrupts import send_interrupt, watching_interrupts
from chorus_room.live.presence import RedisPresence
from chorus_room.live.replies import RedisActiveReplies
from redis.asyncio import Redis

from ..servers import RedisServer


@pytest_asyncio.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Redis]:
    redis = Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


def room() -> str:
    return f"room-{uuid.uuid4().hex[:8]}"


@pytest.mark.asyncio
async def test_the_chain_budget_is_per_room_not_per_instance(client: Redis) -> None:
    one = RedisRoomBudget(client, limit=3, window_s=60)
    two = RedisRoomBudget(client, limit=3, window_s=60)
    r, other = room(), room()
    spent = [await budget.try_spend(r) for budget in (one, two, one, two, one)]
    assert spent == [True, True, True, False, False]
    assert await two.try_spend(other)


@pytest.mark.asyncio
async def test_the_chain_budget_window_slides(client: Redis) -> None:
    budget = RedisRoomBudget(client, limit=1, window_s=0.2)
    r = room()
    assert await budget.try_spend(r)
    assert not await budget.try_spend(r)
    await asyncio.sleep(0.3)
    assert await budget.try_spend(r)


@pytest.mark.asyncio
async def test_presence_is_shared_and_counts_connections(client: Redis) -> None:
    one = RedisPresence(client, instance_id="one")
    two = RedisPresence(client, instance_id="two")
    r = room()
    assert await one.connect(r, "ada")  # came online
    assert not await two.connect(r, "ada")  # already online (elsewhere)
    assert not await one.connect(r, "ada")  # a second tab
    assert await two.connect(r, "bob")
    assert await one.online(r) == ["ada", "bob"] == await two.online(r)
    assert not await one.disconnect(r, "ada")
    assert not await one.disconnect(r, "ada")  # still on two
    assert await two.disconnect(r, "ada")  # gone everywhere
    assert await one.online(r) == ["bob"]


@pytest.mark.asyncio
async def test_a_crashed_instances_members_expire_and_are_reported(client: Redis) -> None:
    gone: list[tuple[str, str]] = []

    async def expired(room_id: str, participant_id: str) -> None:
        gone.append((room_id, participant_id))

    crashed = RedisPresence(client, ttl_s=1.0, instance_id="crashed")
    alive = RedisPresence(client, ttl_s=1.0, instance_id="alive", on_expired=expired)
    r = room()
    await crashed.connect(r, "ada")  # then never refreshed: a crash
    await alive.connect(r, "bob")
    assert await alive.online(r) == ["ada", "bob"]
    await asyncio.sleep(1.2)
    await alive.refresh()
    assert await alive.online(r) == ["bob"]
    assert gone == [(r, "ada")]


@pytest.mark.asyncio
async def test_a_joiner_elsewhere_sees_replies_streaming_now(client: Redis) -> None:
    running = RedisActiveReplies(client, ttl_s=1.0, flush_s=0.0)
    elsewhere = RedisActiveReplies(client, ttl_s=1.0)
    r = room()
    reply = room_pb2.ActiveReply(reply_id="m1", persona_id="p1", in_reply_to_id="m0", text="Hel")
    await running.update(r, reply)
    reply.text = "Hello"
    await running.update(r, reply)
    assert [(a.reply_id, a.text) for a in await elsewhere.active(r)] == [("m1", "Hello")]
    await running.finish(r, "m1")
    assert await elsewhere.active(r) == []


@pytest.mark.asyncio
async def test_a_crashed_instances_replies_stop_being_listed(client: Redis) -> None:
    crashed = RedisActiveReplies(client, ttl_s=1.0)
    r = room()
    await crashed.update(r, room_pb2.ActiveReply(reply_id="m1", text="Hi"))
    assert len(await crashed.active(r)) == 1
    await asyncio.sleep(1.1)  # no refresh: its deadline passes
    assert await crashed.active(r) == []


@pytest.mark.asyncio
async def test_an_interrupt_reaches_the_instance_running_the_reply(
    redis_server: RedisServer,
) -> None:
    here, there = RedisBus.from_url(redis_server.url), RedisBus.from_url(redis_server.url)
    await here.start()
    await there.start()
    stopped: list[tuple[str, str]] = []
    asked = asyncio.Event()

    def stop(room_id: str, reply_id: str) -> None:
        stopped.append((room_id, reply_id))
        asked.set()

    r = room()
    try:
        async with watching_interrupts(there, r, stop):
            await send_interrupt(here, r, "m1")
            async with asyncio.timeout(5):
                await asked.wait()
        assert stopped == [(r, "m1")]
    finally:
        await here.aclose()
        await there.aclose()
