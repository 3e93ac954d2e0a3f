"""The room's event log: store first, then publish (durable first, then live)."""

from __future__ import annotations

from chorus.v1 import room_pb2

from chorus_room import metrics
from chorus_room.ids import now_ms
from chorus_room.ports.bus import Bus
from chorus_room.ports.store import Appended, Mutation, Store

_CHANNEL_PREFIX = "chorus:room:"


def channel(room_id: str) -> str:
    return f"{_CHANNEL_PREFIX}{room_id}"


def room_of(channel_name: str) -> str | None:
    """The room whose channel this is (None: not a room's channel)."""
    if channel_name.startswith(_CHANNEL_PREFIX):
        return channel_name[len(_CHANNEL_PREFIX) :]
    return None


class EventLog:
    def __init__(self, store: Store, bus: Bus) -> None:
        self.store = store
        self.bus = bus

    async def append(
        self,
        room_id: str,
        event: room_pb2.RoomEvent,
        *,
        mutation: Mutation | None = None,
        dedupe_key: str = "",
    ) -> Appended:
        """Give ``event`` its seq in the store, then publish it (unless it is a
        duplicate, which was published when it was first stored)."""
        event.room_id = room_id
        if not event.at_ms:
            event.at_ms = now_ms()
        appended = await self.store.append(room_id, event, mutation=mutation, dedupe_key=dedupe_key)
        if not appended.duplicate:
            metrics.message_stored(appended.event)
            await self.publish(room_id, room_pb2.BusMessage(event=appended.event))
        return appended

    async def ephemeral(self, room_id: str, event: room_pb2.RoomEvent) -> None:
        event.room_id = room_id
        event.at_ms = event.at_ms or now_ms()
        await self.publish(room_id, room_pb2.BusMessage(event=event))

    async def publish(self, room_id: str, message: room_pb2.BusMessage) -> None:
        await self.bus.publish(channel(room_id), message.SerializeToString())
