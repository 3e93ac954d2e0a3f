"""Bus port: live fan-out of a room's messages between room-service instances.

Live delivery may drop messages (a lagging subscriber is told so); durable
events are recovered from the store by seq, so the bus never has to be
reliable. Adapters: in-process (one instance), Redis pub/sub (many; see
docs/scale-out.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[bytes]: ...

    @property
    def dropped(self) -> int:
        """How many messages were dropped because this subscriber lagged."""
        ...


class Bus(Protocol):
    async def publish(self, channel: str, payload: bytes) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]: ...

    async def aclose(self) -> None: ...
