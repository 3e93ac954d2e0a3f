"""Live-state ports: what several room-service instances must share about a
room besides its history (issue 9, item 3). In-process adapters keep today's
one-instance behaviour; the Redis ones (``chorus_room.live``) share it.

Composed in ``chorus_room.composition.open_live``; the session and the reply
manager call them (docs/scale-out.md, "Shared live state").

Every call may raise ``LiveStateError`` (the shared store is unreachable);
callers degrade to this instance's view rather than fail a member's request.
"""

from __future__ import annotations

from typing import Protocol

from chorus.v1 import room_pb2


class LiveStateError(Exception):
    """Shared live state could not be read or written (always retryable)."""

    retryable = True


class RoomBudget(Protocol):
    async def try_spend(self, room_id: str) -> bool:
        """Spend one persona-chain reply of the room's window; False when spent."""
        ...


class PresenceRegistry(Protocol):
    async def connect(self, room_id: str, participant_id: str) -> bool:
        """Count a connection; True when the participant just came online
        (on no instance before)."""
        ...

    async def disconnect(self, room_id: str, participant_id: str) -> bool:
        """Uncount a connection; True when the participant just went offline
        (on every instance)."""
        ...

    async def online(self, room_id: str) -> list[str]: ...

    async def aclose(self) -> None: ...


class ActiveReplyRegistry(Protocol):
    async def update(self, room_id: str, reply: room_pb2.ActiveReply) -> None:
        """The reply is streaming with ``reply.text`` so far."""
        ...

    async def finish(self, room_id: str, reply_id: str) -> None: ...

    async def active(self, room_id: str) -> list[room_pb2.ActiveReply]:
        """Replies streaming in the room now, on any instance."""
        ...

    async def aclose(self) -> None: ...
