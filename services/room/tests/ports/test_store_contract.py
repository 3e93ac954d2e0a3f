"""The Store contract: every adapter must pass these."""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from chorus.v1 import room_pb2
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.ports.store import (
    ParticipantRecord,
    RemoveParticipant,
    RoomRecord,
    SetRoomInfo,
    Store,
    StoreError,
    UnknownRoomError,
    UpsertParticipant,
)

from ..conftest import open_dynamo_store


@pytest_asyncio.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    adapter: Store
    if request.param == "dynamodb":
        adapter = await open_dynamo_store(request.getfixturevalue("dynamodb_local"))
    else:
        adapter = await SqliteStore.open(str(tmp_path / "store.db"))
    yield adapter
    await adapter.aclose()


def room(room_id: str = "r1") -> RoomRecord:
    return RoomRecord(
        id=room_id, name="Lab", description="d", created_at_ms=1, invite_hash="i", owner_hash="o"
    )


def message(text: str, mid: str = "") -> room_pb2.RoomEvent:
    return room_pb2.RoomEvent(message=room_pb2.Message(id=mid or f"m-{text}", text=text), at_ms=5)


@pytest.mark.asyncio
async def test_create_and_get_room(store: Store) -> None:
    await store.create_room(room())
    got = await store.get_room("r1")
    assert got is not None
    assert (got.name, got.last_seq, got.invite_hash) == ("Lab", 0, "i")
    assert await store.get_room("nope") is None


@pytest.mark.asyncio
async def test_append_assigns_consecutive_seqs_per_room(store: Store) -> None:
    await store.create_room(room("a"))
    await store.create_room(room("b"))
    seqs_a = [(await store.append("a", message(str(i)))).event.seq for i in range(3)]
    seq_b = (await store.append("b", message("x"))).event.seq
    assert seqs_a == [1, 2, 3]
    assert seq_b == 1
    got = await store.get_room("a")
    assert got is not None and got.last_seq == 3 and got.last_activity_ms == 5


@pytest.mark.asyncio
async def test_concurrent_appends_never_share_a_seq(store: Store) -> None:
    await store.create_room(room())
    results = await asyncio.gather(*(store.append("r1", message(str(i))) for i in range(50)))
    assert sorted(r.event.seq for r in results) == list(range(1, 51))


@pytest.mark.asyncio
async def test_append_to_unknown_room_fails(store: Store) -> None:
    with pytest.raises(UnknownRoomError):
        await store.append("ghost", message("x"))


@pytest.mark.asyncio
async def test_dedupe_key_stores_once(store: Store) -> None:
    await store.create_room(room())
    first = await store.append("r1", message("hi", "m1"), dedupe_key="h1:c1")
    again = await store.append("r1", message("hi", "m2"), dedupe_key="h1:c1")
    other = await store.append("r1", message("hi", "m3"), dedupe_key="h1:c2")
    assert not first.duplicate and again.duplicate and not other.duplicate
    assert again.event.seq == first.event.seq and again.event.message.id == "m1"
    page = await store.events_after("r1", 0, 10)
    assert [e.message.id for e in page.events] == ["m1", "m3"]


@pytest.mark.asyncio
async def test_pages_forward_and_backward(store: Store) -> None:
    await store.create_room(room())
    for i in range(1, 8):
        await store.append("r1", message(str(i)))
    forward = await store.events_after("r1", 2, 3)
    assert [e.seq for e in forward.events] == [3, 4, 5] and forward.has_more
    tail = await store.events_after("r1", 5, 10)
    assert [e.seq for e in tail.events] == [6, 7] and not tail.has_more
    newest = await store.events_before("r1", 0, 3)
    assert [e.seq for e in newest.events] == [5, 6, 7] and newest.has_more
    oldest = await store.events_before("r1", 3, 5)
    assert [e.seq for e in oldest.events] == [1, 2] and not oldest.has_more


@pytest.mark.asyncio
async def test_mutations_apply_with_their_event(store: Store) -> None:
    await store.create_room(room())
    ada = room_pb2.Participant(id="p1", kind=room_pb2.PARTICIPANT_KIND_PERSONA, name="Ada")
    bob = room_pb2.Participant(id="h1", kind=room_pb2.PARTICIPANT_KIND_HUMAN, name="Bob")
    await store.append(
        "r1",
        room_pb2.RoomEvent(participant_joined=ada),
        mutation=UpsertParticipant(ParticipantRecord(ada)),
    )
    await store.append(
        "r1",
        room_pb2.RoomEvent(participant_joined=bob),
        mutation=UpsertParticipant(ParticipantRecord(bob, "tok")),
    )
    renamed = room_pb2.Participant()
    renamed.CopyFrom(ada)
    renamed.name = "Ada L"
    await store.append(
        "r1",
        room_pb2.RoomEvent(participant_updated=renamed),
        mutation=UpsertParticipant(ParticipantRecord(renamed)),
    )
    assert [r.participant.name for r in await store.participants("r1")] == ["Ada L", "Bob"]
    found = await store.participant_by_token("r1", "tok")
    assert found is not None and found.participant.id == "h1"
    assert await store.participant_by_token("r1", "other") is None
    await store.append("r1", room_pb2.RoomEvent(), mutation=RemoveParticipant("p1"))
    assert [r.participant.id for r in await store.participants("r1")] == ["h1"]
    await store.append("r1", room_pb2.RoomEvent(), mutation=SetRoomInfo("New", "desc"))
    got = await store.get_room("r1")
    assert got is not None and (got.name, got.description, got.last_seq) == ("New", "desc", 5)


@pytest.mark.asyncio
async def test_message_lookup_by_id(store: Store) -> None:
    await store.create_room(room())
    await store.append("r1", message("hello", "m9"))
    found = await store.message("r1", "m9")
    assert found is not None and found.text == "hello"
    assert await store.message("r1", "m0") is None
    assert await store.message("r2", "m9") is None


@pytest.mark.asyncio
async def test_data_survives_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "persist.db")
    first = await SqliteStore.open(path)
    await first.create_room(room())
    await first.append("r1", message("kept"))
    await first.aclose()
    second = await SqliteStore.open(path)
    page = await second.events_after("r1", 0, 10)
    assert [e.message.text for e in page.events] == ["kept"]
    await second.aclose()


@pytest.mark.asyncio
async def test_participants_read_after_a_change_are_current(store: Store) -> None:
    await store.create_room(room())
    assert await store.participants("r1") == []
    ada = room_pb2.Participant(id="p1", name="Ada")
    await store.append(
        "r1",
        room_pb2.RoomEvent(participant_joined=ada),
        mutation=UpsertParticipant(ParticipantRecord(ada)),
    )
    assert [r.participant.name for r in await store.participants("r1")] == ["Ada"]
    listed = await store.participants("r1")
    listed.clear()  # callers get their own list
    assert len(await store.participants("r1")) == 1
    await store.append("r1", room_pb2.RoomEvent(), mutation=RemoveParticipant("p1"))
    assert await store.participants("r1") == []


@pytest.mark.asyncio
async def test_creating_a_room_twice_fails(store: Store) -> None:
    await store.create_room(room())
    with pytest.raises(StoreError):
        await store.create_room(room())
    got = await store.get_room("r1")
    assert got is not None and got.name == "Lab"


@pytest.mark.asyncio
async def test_long_messages_are_stored_whole(store: Store) -> None:
    await store.create_room(room())
    # Larger than one DynamoDB item (400 KB), even compressed.
    letters = random.Random(7).choices(string.ascii_letters, k=600_000)
    text = "".join(letters)
    first = await store.append("r1", message(text, "m-long"))
    await store.append("r1", message("after"))
    page = await store.events_after("r1", 0, 10)
    assert [len(e.message.text) for e in page.events] == [600_000, 5]
    assert page.events[0].message.text == text and first.event.seq == 1
    back = await store.events_before("r1", 0, 1)
    assert [e.message.text for e in back.events] == ["after"] and back.has_more
    found = await store.message("r1", "m-long")
    assert found is not None and found.text == text


@pytest.mark.asyncio
async def test_pages_walk_a_long_history_both_ways(store: Store) -> None:
    await store.create_room(room())
    for i in range(1, 121):
        await store.append("r1", message(str(i)))
    seen: list[int] = []
    after = 0
    while True:
        page = await store.events_after("r1", after, 25)
        seen += [e.seq for e in page.events]
        if not page.has_more:
            break
        after = page.events[-1].seq
    assert seen == list(range(1, 121))
    back: list[int] = []
    before = 0
    while True:
        page = await store.events_before("r1", before, 25)
        back = [e.seq for e in page.events] + back
        if not page.has_more:
            break
        before = page.events[0].seq
    assert back == list(range(1, 121))
    assert (await store.events_before("r1", 1, 5)).events == []
