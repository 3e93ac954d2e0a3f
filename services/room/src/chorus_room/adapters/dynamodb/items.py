"""Item shapes of the single Chorus table: keys, and records to and from items.

Everything of one room lives under one partition key (the room id), told
apart by the sort key's prefix::

    #ROOM                 the room: name, description, hashes, last_seq
    E#<seq:020>           an event: its serialized RoomEvent (first chunk)
    X#<seq:020>#<n:03>    overflow chunk n of an event larger than one item
    D#<dedupe key>        an idempotent send: seq of the event it stored
    M#<message id>        a message: seq of the event that carries it
    P#<participant id>    a participant: ord (seq that added it), token hash, body

Seqs are zero-padded so that string order is seq order, and a history page is
one Query on a range of ``E#`` keys in either direction.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from chorus.v1 import room_pb2

from chorus_room.ports.store import ParticipantRecord, RoomRecord

ROOM_SK = "#ROOM"
EVENT = "E#"
CHUNK = "X#"
DEDUPE = "D#"
MESSAGE = "M#"
PARTICIPANT = "P#"
#: Largest event body kept in one item. DynamoDB allows 400 KB per item
#: (names and values together); the rest goes into overflow chunks.
CHUNK_BYTES = 350_000
#: Most chunks one event may have. A transaction may hold 4 MB, but binary
#: values travel base64-encoded in one HTTP request, which is kept under
#: 1 MiB (larger bodies stall the event loop while they are written).
MAX_CHUNKS = 2
#: Bodies from this size on are stored zlib-compressed (attribute ``z``):
#: text shrinks 2-4x, and DynamoDB bills writes by the KB.
COMPRESS_FROM = 2048
MAX_SEQ = 10**20 - 1

#: An item as Python values (str, int, bytes); ``to_av``/``from_av`` convert
#: to and from DynamoDB's typed attribute values.
Item = dict[str, Any]
AttributeValues = dict[str, Any]


def to_av(item: Mapping[str, Any]) -> AttributeValues:
    out: AttributeValues = {}
    for name, value in item.items():
        if isinstance(value, bool):
            raise TypeError(f"{name}: booleans are not stored")
        if isinstance(value, str):
            out[name] = {"S": value}
        elif isinstance(value, int):
            out[name] = {"N": str(value)}
        elif isinstance(value, bytes | bytearray):
            out[name] = {"B": bytes(value)}
        else:
            raise TypeError(f"{name}: cannot store {type(value).__name__}")
    return out


def from_av(values: Mapping[str, Any]) -> Item:
    out: Item = {}
    for name, value in values.items():
        if "S" in value:
            out[name] = value["S"]
        elif "N" in value:
            out[name] = int(value["N"])
        elif "B" in value:
            out[name] = bytes(value["B"])
        else:
            raise TypeError(f"{name}: unexpected attribute type {sorted(value)}")
    return out


def event_sk(seq: int) -> str:
    return f"{EVENT}{seq:020d}"


def chunk_sk(seq: int, part: int) -> str:
    return f"{CHUNK}{seq:020d}#{part:03d}"


def key(room_id: str, sk: str) -> Item:
    return {"pk": room_id, "sk": sk}


def room_item(room: RoomRecord) -> Item:
    return {
        **key(room.id, ROOM_SK),
        "name": room.name,
        "description": room.description,
        "created_at_ms": room.created_at_ms,
        "invite_hash": room.invite_hash,
        "owner_hash": room.owner_hash,
        "last_seq": 0,
        "last_activity_ms": room.created_at_ms,
    }


def room_record(item: Mapping[str, Any]) -> RoomRecord:
    return RoomRecord(
        id=str(item["pk"]),
        name=str(item["name"]),
        description=str(item["description"]),
        created_at_ms=int(item["created_at_ms"]),
        invite_hash=str(item["invite_hash"]),
        owner_hash=str(item["owner_hash"]),
        last_seq=int(item["last_seq"]),
        last_activity_ms=int(item["last_activity_ms"]),
    )


def participant_record(item: Mapping[str, Any]) -> ParticipantRecord:
    participant = room_pb2.Participant()
    participant.ParseFromString(bytes(item["body"]))
    return ParticipantRecord(participant=participant, token_hash=str(item.get("token", "")))


def event_items(room_id: str, event: room_pb2.RoomEvent) -> list[Item]:
    """The items that store ``event`` (its seq set): the head, then overflow
    chunks when the body is larger than one item may hold."""
    body = event.SerializeToString()
    compressed = len(body) >= COMPRESS_FROM
    if compressed:
        body = zlib.compress(body, 6)
    chunks = [body[i : i + CHUNK_BYTES] for i in range(0, len(body), CHUNK_BYTES)] or [b""]
    if len(chunks) > MAX_CHUNKS:
        raise ValueError(f"event of {len(body)} bytes is larger than the store takes")
    head: Item = {**key(room_id, event_sk(event.seq)), "seq": event.seq, "body": chunks[0]}
    if compressed:
        head["z"] = 1
    if len(chunks) > 1:
        head["parts"] = len(chunks)
    rest = [
        {**key(room_id, chunk_sk(event.seq, n)), "body": chunk}
        for n, chunk in enumerate(chunks[1:], start=1)
    ]
    return [head, *rest]


def parts(item: Mapping[str, Any]) -> int:
    return int(item.get("parts", 1))


def event_from(head: Mapping[str, Any], chunks: Sequence[bytes] = ()) -> room_pb2.RoomEvent:
    body = b"".join([bytes(head["body"]), *chunks])
    if head.get("z"):
        body = zlib.decompress(body)
    event = room_pb2.RoomEvent()
    event.ParseFromString(body)
    return event
