"""Log lines carry the ids of what they are about: a unary call's request id
(from the caller's metadata), and for a message, the frame's request id, the
room, the participant and the reply it started."""

from __future__ import annotations

import logging
from pathlib import Path

import grpc
import pytest
from chorus.v1 import room_pb2, room_pb2_grpc
from chorus_common.testing import capture_logs
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer

from .conftest import RoomHarness
from .fakes import FlakyStore, ScriptedCompleter


@pytest.mark.asyncio
async def test_a_reply_logs_the_ids_of_the_turn(harness: RoomHarness) -> None:
    created = await harness.create_room("Ada")
    session = harness.session(created.room.id)
    with capture_logs("room") as logs:
        welcome = await session.join("c1", created.invite_token, "Bob")
        await session.send("c1", "@Ada hello", ref="r7")
        await session.events_until("c1", lambda e: e.HasField("reply_ended"))
        await session.aclose()
    (done,) = logs.matching("REPLY_OUTCOME_COMPLETED")
    assert done["room_id"] == created.room.id
    assert done["gateway_id"] == "test"
    assert done["request_id"] == "test/c1/r7"
    assert done["participant_id"] == welcome.you.id
    assert done["reply_id"].startswith("m")
    assert done["service"] == "room"
    (opened,) = logs.matching("session opened")
    assert opened["room_id"] == created.room.id and "request_id" not in opened


@pytest.mark.asyncio
async def test_a_unary_call_logs_the_callers_request_id(tmp_path: Path) -> None:
    store = FlakyStore(await SqliteStore.open(str(tmp_path / "room.db")))
    settings = RoomSettings(port=0, chat_target="127.0.0.1:1", health_check_interval_s=60)
    server = RoomServer(settings, store=store, completer=ScriptedCompleter())  # type: ignore[arg-type]
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = room_pb2_grpc.RoomServiceStub(channel)
    try:
        store.broken = True  # GetRoom reads the room: it fails, and says so in the log
        with capture_logs("room", logging.WARNING) as logs:
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await stub.GetRoom(
                    room_pb2.GetRoomRequest(room_id="r-some-room"),
                    metadata=(("x-request-id", "q-from-gateway"),),
                )
            with pytest.raises(grpc.aio.AioRpcError):
                await stub.GetRoom(room_pb2.GetRoomRequest(room_id="r-other"))
    finally:
        await channel.close()
        await server.stop(grace=0)
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    first, second = logs.matching("store error")
    assert (first["request_id"], first["room_id"]) == ("q-from-gateway", "r-some-room")
    assert second["request_id"].startswith("q") and second["request_id"] != "q-from-gateway"
