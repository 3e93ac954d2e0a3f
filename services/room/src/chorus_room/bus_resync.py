"""A Bus that turns a subscriber's drop into a resync from the store.

Live fan-out may drop messages: a subscriber that lagged, or a bus that lost
its connection (the Redis one then wakes its subscribers with an empty
payload). When a subscription's ``dropped`` count has grown, this wrapper
reads the room's newest durable event from the store and passes it on as if
it came from the bus: a reader that tracks seq (the RoomSession) sees the gap
and fills it from the store by seq, as it does for any gap. One read per
drop, whatever the room's size; ephemeral events lost meanwhile (deltas,
typing) stay lost, the final message of a reply is durable.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from chorus.v1 import room_pb2

from chorus_room.ports.bus import Bus, Subscription
from chorus_room.ports.store import Store, StoreError

log = logging.getLogger("chorus.room.bus")


class ResyncingSubscription:
    def __init__(self, inner: Subscription, store: Store, room_id: str) -> None:
        self._inner = inner
        self._store = store
        self._room_id = room_id
        self._seen_dropped = inner.dropped
        #: Times this subscription resynced from the store.
        self.resyncs = 0

    @property
    def dropped(self) -> int:
        return self._inner.dropped

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for payload in self._inner:
            if payload:
                yield payload
            if self._inner.dropped != self._seen_dropped:
                self._seen_dropped = self._inner.dropped
                newest = await self._newest()
                if newest is not None:
                    yield newest

    async def _newest(self) -> bytes | None:
        self.resyncs += 1
        try:
            page = await self._store.events_before(self._room_id, 0, 1)
        except StoreError as exc:
            # The next durable event shows the gap anyway; nothing better to do.
            log.warning("room %s: resync after a bus drop failed: %s", self._room_id, exc)
            return None
        if not page.events:
            return None
        return room_pb2.BusMessage(event=page.events[-1]).SerializeToString()


class ResyncingBus:
    """Wraps ``inner``; ``room_of`` names the room of a channel (None: a
    channel that is not a room's, passed through as it is)."""

    def __init__(self, inner: Bus, store: Store, room_of: Callable[[str], str | None]) -> None:
        self._inner = inner
        self._store = store
        self._room_of = room_of

    async def publish(self, channel: str, payload: bytes) -> None:
        await self._inner.publish(channel, payload)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        async with self._inner.subscribe(channel) as inner:
            room_id = self._room_of(channel)
            yield inner if room_id is None else ResyncingSubscription(inner, self._store, room_id)

    async def aclose(self) -> None:
        await self._inner.aclose()
