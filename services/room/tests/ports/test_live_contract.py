"""The live-state contracts (budget, presence, active replies): the
in-process adapters and the Redis ones behave alike for one instance."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from chorus.v1 import room_pb2
from chorus_room.live.budget import RedisRoomBudget
from chorus_room.live.local import LocalActiveReplies, LocalPresence, LocalRoomBudget
from chorus_room.live.presence import RedisPresence
from chorus_room.live.replies import RedisActiveReplies
from chorus_room.ports.live import ActiveReplyRegistry, PresenceRegistry, RoomBudget
from redis.asyncio import Redis

from ..servers import RedisServer


@pytest_asyncio.fixture(params=["local", "redis"])
async def redis_or_none(request: pytest.FixtureRequest) -> AsyncIterator[Redis | None]:
    if request.param == "local":
        yield None
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    client = Redis.from_url(server.url)
    yield client
    await client.aclose()


def room() -> str:
    return f"room-{uuid.uuid4().hex[:8]}"


@pytest.mark.asyncio
async def test_budget_spends_up_to_its_limit_per_room(redis_or_none: Redis | None) -> None:
    budget: RoomBudget = (
        LocalRoomBudget(limit=2, window_s=60)
        if redis_or_none is None
        else RedisRoomBudget(redis_or_none, limit=2, window_s=60)
    )
    r, other = room(), room()
    assert [await budget.try_spend(r) for _ in range(3)] == [True, True, False]
    assert await budget.try_spend(other)


@pytest.mark.asyncio
async def test_presence_counts_connections(redis_or_none: Redis | None) -> None:
    presence: PresenceRegistry = (
        LocalPresence() if redis_or_none is None else RedisPresence(redis_or_none)
    )
    r = room()
    assert await presence.connect(r, "ada")
    assert not await presence.connect(r, "ada")
    assert await presence.connect(r, "bob")
    assert await presence.online(r) == ["ada", "bob"]
    assert not await presence.disconnect(r, "ada")
    assert await presence.disconnect(r, "ada")
    assert not await presence.disconnect(r, "ada")  # not connected: nothing to say
    assert await presence.online(r) == ["bob"]
    await presence.aclose()


@pytest.mark.asyncio
async def test_active_replies_are_listed_until_finished(redis_or_none: Redis | None) -> None:
    replies: ActiveReplyRegistry = (
        LocalActiveReplies()
        if redis_or_none is None
        else RedisActiveReplies(redis_or_none, flush_s=0)
    )
    r = room()
    reply = room_pb2.ActiveReply(reply_id="m1", persona_id="p1", text="Hi")
    await replies.update(r, reply)
    reply.text = "Hi there"
    await replies.update(r, reply)
    await replies.update(r, room_pb2.ActiveReply(reply_id="m2", persona_id="p2"))
    assert [(a.reply_id, a.text) for a in await replies.active(r)] == [
        ("m1", "Hi there"),
        ("m2", ""),
    ]
    await replies.finish(r, "m1")
    assert [a.reply_id for a in await replies.active(r)] == ["m2"]
    assert await replies.active(room()) == []
    await replies.aclose()
