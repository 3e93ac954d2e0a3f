"""Store port: rooms, participants and each room's ordered event log.

Every change to a room is one atomic ``append``: the durable event gets the
room's next ``seq`` and its state change (a mutation) lands in the same
transaction, so the log and the state never disagree. Adapters: SQLite
(embedded default), DynamoDB (scale-out, docs/scale-out.md). One contract suite in
the tests runs against every adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chorus.v1 import room_pb2


@dataclass(frozen=True, slots=True)
class RoomRecord:
    id: str
    name: str
    description: str
    created_at_ms: int
    invite_hash: str
    owner_hash: str
    last_seq: int = 0
    last_activity_ms: int = 0
    #: RoomOptions, serialized (the store keeps it as it is).
    options: bytes = b""


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    participant: room_pb2.Participant
    #: Hash of the participant token that lets a person rejoin as themself.
    token_hash: str = ""


@dataclass(frozen=True, slots=True)
class UpsertParticipant:
    record: ParticipantRecord


@dataclass(frozen=True, slots=True)
class RemoveParticipant:
    participant_id: str


@dataclass(frozen=True, slots=True)
class SetRoomInfo:
    name: str
    description: str
    #: RoomOptions, serialized.
    options: bytes = b""


Mutation = UpsertParticipant | RemoveParticipant | SetRoomInfo


@dataclass(frozen=True, slots=True)
class Appended:
    #: The stored event, with its seq (or the earlier one, for a duplicate).
    event: room_pb2.RoomEvent
    #: True when ``dedupe_key`` had been used: nothing new was written.
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class EventPage:
    events: Sequence[room_pb2.RoomEvent]
    has_more: bool


class StoreError(Exception):
    """The store failed (I/O, connection). ``retryable`` says whether to try again."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class UnknownRoomError(StoreError):
    def __init__(self, room_id: str) -> None:
        super().__init__(f"unknown room {room_id}", retryable=False)


class Store(Protocol):
    async def create_room(self, room: RoomRecord) -> None: ...

    async def get_room(self, room_id: str) -> RoomRecord | None: ...

    async def participants(self, room_id: str) -> list[ParticipantRecord]:
        """Current participants, in joining order."""
        ...

    async def participant_by_token(
        self, room_id: str, token_hash: str
    ) -> ParticipantRecord | None: ...

    async def append(
        self,
        room_id: str,
        event: room_pb2.RoomEvent,
        *,
        mutation: Mutation | None = None,
        dedupe_key: str = "",
    ) -> Appended:
        """Store ``event`` as the room's next seq (setting ``seq``), applying
        ``mutation`` atomically. A non-empty ``dedupe_key`` already used in this
        room returns the earlier event with ``duplicate=True`` and changes nothing.
        Raises UnknownRoomError."""
        ...

    async def events_after(self, room_id: str, after_seq: int, limit: int) -> EventPage:
        """Events with seq > after_seq, oldest first."""
        ...

    async def events_before(self, room_id: str, before_seq: int, limit: int) -> EventPage:
        """The newest ``limit`` events with seq < before_seq (0: no bound), oldest first."""
        ...

    async def message(self, room_id: str, message_id: str) -> room_pb2.Message | None: ...

    async def aclose(self) -> None: ...
