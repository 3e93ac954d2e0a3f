"""Which store, bus and live state the room service uses, chosen by
configuration.

``CHORUS_ROOM_STORE=sqlite|dynamodb`` and ``CHORUS_ROOM_BUS=local|redis``;
every bus is wrapped so that a subscriber's drop resyncs it from the store.
The live state (chain budget, presence, replies streaming now) follows the
bus: in-process with ``local``, shared in Redis with ``redis``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from chorus_room.adapters.dynamodb import DynamoStore, RetryPolicy
from chorus_room.adapters.memory_bus import MemoryBus
from chorus_room.adapters.redis_bus import RedisBus
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.bus_resync import ResyncingBus
from chorus_room.config import RoomSettings
from chorus_room.events import room_of
from chorus_room.live.budget import RedisRoomBudget
from chorus_room.live.local import LocalActiveReplies, LocalPresence, LocalRoomBudget
from chorus_room.live.presence import RedisPresence
from chorus_room.live.replies import RedisActiveReplies
from chorus_room.ports.bus import Bus
from chorus_room.ports.live import ActiveReplyRegistry, PresenceRegistry, RoomBudget
from chorus_room.ports.store import Store


async def open_store(settings: RoomSettings) -> Store:
    if settings.store == "dynamodb":
        secret = settings.dynamodb_secret_access_key
        store = await DynamoStore.open(
            table=settings.dynamodb_table,
            region=settings.dynamodb_region,
            endpoint_url=settings.dynamodb_endpoint,
            access_key_id=settings.dynamodb_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            policy=RetryPolicy(attempts=settings.dynamodb_retry_attempts),
        )
        if settings.dynamodb_create_table:
            try:
                await store.create_table()
            except BaseException:
                await store.aclose()
                raise
        return store
    return await SqliteStore.open(settings.database)


async def open_bus(settings: RoomSettings) -> Bus:
    if settings.bus == "redis":
        bus = RedisBus.from_url(settings.redis_url, queue_size=settings.bus_queue)
        await bus.start()
        return bus
    return MemoryBus(settings.bus_queue)


def resyncing(bus: Bus, store: Store) -> Bus:
    """``bus`` whose room subscribers resync from ``store`` after a drop."""
    return ResyncingBus(bus, store, room_of)


@dataclass(frozen=True, slots=True)
class LiveState:
    """What instances share about a room besides its history."""

    budget: RoomBudget
    presence: PresenceRegistry
    replies: ActiveReplyRegistry
    client: Redis | None = None

    async def aclose(self) -> None:
        await self.presence.aclose()
        await self.replies.aclose()
        if self.client is not None:
            await self.client.aclose()


def open_live(
    settings: RoomSettings, *, on_expired: Callable[[str, str], Awaitable[None]]
) -> LiveState:
    """The live state for ``settings.bus`` (started); ``on_expired(room,
    participant)`` is told of a member whose instance stopped refreshing."""
    s = settings
    if s.bus != "redis":
        return LiveState(
            LocalRoomBudget(limit=s.persona_chain_budget, window_s=s.persona_chain_window_s),
            LocalPresence(),
            LocalActiveReplies(),
        )
    # redis-py's own retries off: a retried command would turn a cancelled
    # one (an interrupted reply's write) into one that silently goes on.
    client = Redis.from_url(
        s.redis_url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=2.0, socket_timeout=5.0
    )
    presence = RedisPresence(client, ttl_s=s.presence_ttl_s, on_expired=on_expired)
    replies = RedisActiveReplies(client, ttl_s=s.active_reply_ttl_s, flush_s=s.active_reply_flush_s)
    presence.start()
    replies.start()
    return LiveState(
        RedisRoomBudget(client, limit=s.persona_chain_budget, window_s=s.persona_chain_window_s),
        presence,
        replies,
        client,
    )
