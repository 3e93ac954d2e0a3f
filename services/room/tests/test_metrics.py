"""The room service's metrics move with real traffic over real gRPC."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest
from chorus.v1 import room_pb2
from chorus_common.metrics import sample
from chorus_common.testing import eventually
from chorus_room import metrics
from prometheus_client import REGISTRY

from .conftest import RoomHarness


def value(name: str, **labels: str) -> float:
    return sample(REGISTRY, name, labels)


def reply_ended(event: room_pb2.RoomEvent) -> bool:
    return event.HasField("reply_ended")


@pytest.mark.asyncio
async def test_a_turn_moves_sessions_messages_replies_and_errors(harness: RoomHarness) -> None:
    before = {
        "sessions": value("chorus_room_sessions"),
        "opened": value("chorus_room_sessions_opened_total"),
        "human": value("chorus_room_messages_total", author="human"),
        "persona": value("chorus_room_messages_total", author="persona"),
        "completed": value("chorus_room_replies_total", outcome="COMPLETED"),
        "first_token": value("chorus_room_reply_first_token_seconds_count"),
        "duration": value("chorus_room_reply_duration_seconds_count"),
        "not_joined": value("chorus_room_errors_total", code="NOT_JOINED"),
        "bad_invite": value("chorus_room_errors_total", code="BAD_INVITE"),
    }
    created = await harness.create_room("Ada")
    session = harness.session(created.room.id)
    await session.join("c1", created.invite_token, "Bob")
    assert value("chorus_room_sessions") == before["sessions"] + 1
    assert value("chorus_room_sessions_opened_total") == before["opened"] + 1
    assert value("chorus_room_rooms") >= 1

    await session.send("c1", "@Ada hello", ref="r1")
    await session.events_until("c1", reply_ended)
    assert value("chorus_room_messages_total", author="human") == before["human"] + 1
    assert value("chorus_room_messages_total", author="persona") == before["persona"] + 1
    assert value("chorus_room_replies_total", outcome="COMPLETED") == before["completed"] + 1
    assert value("chorus_room_reply_first_token_seconds_count") == before["first_token"] + 1
    assert value("chorus_room_reply_duration_seconds_count") == before["duration"] + 1

    await session.frame("c2", room_pb2.ClientFrame(ping=room_pb2.Ping()))  # not joined
    await session.next_for("c2", lambda r: r.frame.HasField("error"))
    assert value("chorus_room_errors_total", code="NOT_JOINED") == before["not_joined"] + 1

    with pytest.raises(grpc.aio.AioRpcError):
        await harness.stub.GetRoom(
            room_pb2.GetRoomRequest(
                room_id=created.room.id,
                credentials=room_pb2.RoomCredentials(invite_token="not-the-invite"),
            )
        )
    assert value("chorus_room_errors_total", code="BAD_INVITE") == before["bad_invite"] + 1

    await session.aclose()
    await eventually(lambda: value("chorus_room_sessions") == before["sessions"])


@pytest.mark.asyncio
async def test_a_failed_reply_counts_its_outcome_and_error_code() -> None:
    before_failed = value("chorus_room_replies_total", outcome="FAILED")
    before_code = value("chorus_room_errors_total", code="MODEL_TIMEOUT")
    ended = room_pb2.ReplyEnded(
        outcome=room_pb2.REPLY_OUTCOME_FAILED,
        error=room_pb2.Error(code=room_pb2.ERROR_CODE_MODEL_TIMEOUT),
    )
    ended.timing.CopyFrom(room_pb2.ReplyTiming(received_at_ms=1_000, model_start_at_ms=1_250))
    metrics.observe_reply(ended)
    assert value("chorus_room_replies_total", outcome="FAILED") == before_failed + 1
    assert value("chorus_room_errors_total", code="MODEL_TIMEOUT") == before_code + 1


@dataclass(eq=False)
class _Stream:
    room_id: str
    queued: int


def test_queue_depths_are_read_from_the_open_streams() -> None:
    streams = metrics.OpenStreams()
    a, b, c = _Stream("r1", 3), _Stream("r1", 10), _Stream("r2", 0)
    for stream in (a, b, c):
        streams.add(stream)
    values = {m.name: m.samples[0].value for m in streams.collect()}
    assert values == {
        "chorus_room_rooms": 2,
        "chorus_room_session_queue_depth": 13,
        "chorus_room_session_queue_depth_max": 10,
    }
    for stream in (a, b, c, c):
        streams.discard(stream)
    assert {m.name: m.samples[0].value for m in streams.collect()}["chorus_room_rooms"] == 0
