from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest_asyncio
from chorus.v1 import room_pb2, room_pb2_grpc
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer

from .fakes import ScriptedCompleter
from .session_client import SessionClient


@dataclass
class RoomHarness:
    server: RoomServer
    stub: room_pb2_grpc.RoomServiceStub
    channel: grpc.aio.Channel
    completer: ScriptedCompleter
    target: str

    async def create_room(
        self, *personas: str, description: str = ""
    ) -> room_pb2.CreateRoomResponse:
        response: room_pb2.CreateRoomResponse = await self.stub.CreateRoom(
            room_pb2.CreateRoomRequest(
                name="Test room",
                description=description,
                personas=[room_pb2.PersonaSpec(name=n, title=f"{n} the tester") for n in personas],
            )
        )
        return response

    def session(self, room_id: str) -> SessionClient:
        return SessionClient(self.stub, room_id)


@pytest_asyncio.fixture
async def harness(tmp_path: Path) -> AsyncIterator[RoomHarness]:
    completer = ScriptedCompleter()
    settings = RoomSettings(
        host="127.0.0.1", port=0, database=str(tmp_path / "room.db"), chat_target="127.0.0.1:1"
    )
    server = RoomServer(settings, completer=completer)
    port = await server.start()
    target = f"127.0.0.1:{port}"
    channel = grpc.aio.insecure_channel(target)
    yield RoomHarness(server, room_pb2_grpc.RoomServiceStub(channel), channel, completer, target)
    await channel.close(grace=None)
    await server.stop(grace=0.5)
