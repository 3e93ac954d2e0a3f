"""Interrupts that cross instances: ``BusMessage.interrupt`` on the room's
channel. The instance running a reply watches its room while the reply runs
and stops it when an interrupt for it (or for every reply) arrives, whichever
instance the member pressed stop on. RoomSessions ignore bus messages that
carry no event, so sharing the room channel costs them nothing."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from chorus.v1 import room_pb2

from chorus_room.events import channel
from chorus_room.ports.bus import Bus


async def send_interrupt(bus: Bus, room_id: str, reply_id: str = "") -> None:
    """Ask every instance to stop ``reply_id`` (empty: every reply of the room)."""
    message = room_pb2.BusMessage(interrupt=room_pb2.Interrupt(reply_id=reply_id))
    await bus.publish(channel(room_id), message.SerializeToString())


@asynccontextmanager
async def watching_interrupts(
    bus: Bus, room_id: str, stop: Callable[[str, str], object]
) -> AsyncIterator[None]:
    """While inside, call ``stop(room_id, reply_id)`` for each interrupt
    published to the room (``ReplyManager.interrupt`` fits; an awaitable it
    returns is awaited)."""
    async with bus.subscribe(channel(room_id)) as subscription:

        async def listen() -> None:
            async for payload in subscription:
                message = room_pb2.BusMessage()
                message.ParseFromString(payload)
                if message.HasField("interrupt"):
                    result = stop(room_id, message.interrupt.reply_id)
                    if inspect.isawaitable(result):
                        await result

        listener = asyncio.create_task(listen(), name=f"interrupts-{room_id}")
        try:
            yield
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
