"""Live-state ports: what several room-service instances must share about a
room besides its history (issue 9, item 3). In-process adapters keep today's
one-instance behaviour; the Redis ones (``chorus_room.live``) share it.

Not wired yet: see docs/scale-out.md, "Shared live state", for the calls the
session and the reply manager are to make.
"""

from __future__ import annotations

from typing import Protocol

from chorus.v1 import room_pb2


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
