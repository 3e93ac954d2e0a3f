"""Which store and bus the room service uses, chosen by configuration.

``CHORUS_ROOM_STORE=sqlite|dynamodb`` and ``CHORUS_ROOM_BUS=local|redis``;
every bus is wrapped so that a subscriber's drop resyncs it from the store.
"""

from __future__ import annotations

from chorus_room.adapters.dynamodb import DynamoStore, RetryPolicy
from chorus_room.adapters.memory_bus import MemoryBus
from chorus_room.adapters.redis_bus import RedisBus
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.bus_resync import ResyncingBus
from chorus_room.config import RoomSettings
from chorus_room.events import room_of
from chorus_room.ports.bus import Bus
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
