"""grpc.health.v1 tells the truth: NOT_SERVING while the store does not answer."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from chorus_common.testing import eventually
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .fakes import FlakyStore, ScriptedCompleter

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def _status(stub: health_pb2_grpc.HealthStub, service: str) -> int:
    reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
    status: int = reply.status
    return status


async def _until(stub: health_pb2_grpc.HealthStub, wanted: int) -> None:
    async def reached() -> bool:
        return await _status(stub, "") == wanted

    await eventually(reached)
    assert await _status(stub, "chorus.v1.RoomService") == wanted


@pytest.mark.asyncio
async def test_health_follows_the_store(tmp_path: Path) -> None:
    store = FlakyStore(await SqliteStore.open(str(tmp_path / "room.db")))
    settings = RoomSettings(
        port=0,
        database=str(tmp_path / "unused.db"),
        chat_target="127.0.0.1:1",
        health_check_interval_s=0.05,
    )
    server = RoomServer(settings, store=store, completer=ScriptedCompleter())  # type: ignore[arg-type]
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = health_pb2_grpc.HealthStub(channel)
    try:
        assert await _status(stub, "") == SERVING
        store.broken = True
        await _until(stub, NOT_SERVING)
        store.broken = False
        await _until(stub, SERVING)
    finally:
        await channel.close()
        await server.stop(grace=0)


@pytest.mark.asyncio
async def test_a_store_down_at_start_is_not_serving_from_the_first_check(tmp_path: Path) -> None:
    store = FlakyStore(await SqliteStore.open(str(tmp_path / "room.db")))
    store.broken = True
    settings = RoomSettings(port=0, chat_target="127.0.0.1:1", health_check_interval_s=60)
    server = RoomServer(settings, store=store, completer=ScriptedCompleter())  # type: ignore[arg-type]
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        assert await _status(health_pb2_grpc.HealthStub(channel), "") == NOT_SERVING
    finally:
        await channel.close()
        await server.stop(grace=0)
