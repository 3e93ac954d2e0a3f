"""The transcript window read from a real SQLite store."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from chorus.v1 import room_pb2
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.domain.prompt import estimate_tokens, transcript_line
from chorus_room.ports.store import RoomRecord
from chorus_room.transcripts import Transcripts

LINE = "Bob: " + "word " * 20  # 105 characters: 34 estimated tokens


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    adapter = await SqliteStore.open(str(tmp_path / "room.db"))
    await adapter.create_room(
        RoomRecord(
            id="r", name="R", description="", created_at_ms=1, invite_hash="i", owner_hash="o"
        )
    )
    yield adapter
    await adapter.aclose()


async def say(store: SqliteStore, n: int) -> None:
    room = await store.get_room("r")
    assert room is not None
    for seq in range(room.last_seq + 1, room.last_seq + 1 + n):
        message = room_pb2.Message(id=f"m{seq}", author_name="Bob", text=LINE[5:])
        await store.append("r", room_pb2.RoomEvent(message=message))


def cost(messages: list[room_pb2.Message]) -> int:
    return sum(estimate_tokens(transcript_line(m)) for m in messages)


@pytest.mark.asyncio
async def test_each_window_extends_the_last_until_it_must_move(store: SqliteStore) -> None:
    transcripts = Transcripts(store, budget=340)  # ten lines
    await say(store, 3)
    windows = []
    for _ in range(30):
        windows.append(await transcripts.window("r"))
        await say(store, 1)
    moves = 0
    for before, after in itertools.pairwise(windows):
        assert cost(after) <= 340
        if after[0].id == before[0].id:
            assert after[: len(before)] == before  # the same prefix, one line longer
        else:
            moves += 1
            assert cost(after) <= 340 // 2  # a move leaves room to grow
    assert 3 <= moves <= 6


@pytest.mark.asyncio
async def test_a_window_up_to_an_earlier_message(store: SqliteStore) -> None:
    transcripts = Transcripts(store, budget=10_000)
    await say(store, 5)
    window = await transcripts.window("r", upto_seq=3)
    assert len(window) == 3 and window[-1].text == LINE[5:]
    assert len(await transcripts.window("r")) == 5


@pytest.mark.asyncio
async def test_reading_costs_the_window_not_the_room(store: SqliteStore) -> None:
    transcripts = Transcripts(store, budget=340, max_events=50)
    await say(store, 400)
    window = await transcripts.window("r")
    assert 0 < len(window) <= 10
    await say(store, 1)
    assert (await transcripts.window("r"))[0].id == window[0].id


@pytest.mark.asyncio
async def test_a_window_ending_before_the_anchor_leaves_the_anchor_alone(
    store: SqliteStore,
) -> None:
    transcripts = Transcripts(store, budget=340)
    await say(store, 40)
    window = await transcripts.window("r")
    anchor = window[0].id
    old = await transcripts.window("r", upto_seq=5)
    assert old[-1].id == "m5"
    await say(store, 1)
    assert (await transcripts.window("r"))[0].id == anchor
