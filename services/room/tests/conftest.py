from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from chorus.v1 import room_pb2, room_pb2_grpc
from chorus_room.adapters.dynamodb import DynamoStore, RetryPolicy
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer
from pydantic import SecretStr

from .fakes import ScriptedCompleter
from .servers import DynamoDBLocal, RedisServer
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


#: CHORUS_TEST_ROOM_BACKEND=scale runs the room's tests on DynamoDB Local and
#: Redis instead of SQLite and the in-process bus.
SCALE_BACKEND = os.environ.get("CHORUS_TEST_ROOM_BACKEND", "") == "scale"


@pytest_asyncio.fixture
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RoomHarness]:
    completer = ScriptedCompleter()
    settings = RoomSettings(
        host="127.0.0.1",
        port=0,
        database=str(tmp_path / "room.db"),
        chat_target="127.0.0.1:1",
        voice_target="",  # no voice (the voice tests bring their own)
    )
    if SCALE_BACKEND:
        settings = scale_settings(
            settings,
            request.getfixturevalue("dynamodb_local"),
            request.getfixturevalue("redis_server"),
        )
    server = RoomServer(settings, completer=completer)
    port = await server.start()
    target = f"127.0.0.1:{port}"
    channel = grpc.aio.insecure_channel(target)
    yield RoomHarness(server, room_pb2_grpc.RoomServiceStub(channel), channel, completer, target)
    await channel.close(grace=None)
    await server.stop(grace=0.5)


# ------------------------------------------------ scale-out servers (one per run)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    server = DynamoDBLocal()
    server.start()
    yield server
    server.stop()


async def open_dynamo_store(
    server: DynamoDBLocal, table: str = "", policy: RetryPolicy | None = None
) -> DynamoStore:
    """A store on a fresh table of its own (tests share one DynamoDB Local)."""
    store = await DynamoStore.open(
        table=table or f"chorus-{uuid.uuid4().hex[:12]}",
        region="us-east-1",
        endpoint_url=server.endpoint,
        access_key_id="local",
        secret_access_key="local",
        policy=policy,
    )
    await store.create_table()
    return store


def scale_settings(
    settings: RoomSettings, dynamodb: DynamoDBLocal, redis: RedisServer, table: str = ""
) -> RoomSettings:
    """``settings`` on the scale-out adapters (a fresh table unless named)."""
    return settings.model_copy(
        update={
            "store": "dynamodb",
            "bus": "redis",
            "redis_url": redis.url,
            "dynamodb_table": table or f"chorus-{uuid.uuid4().hex[:12]}",
            "dynamodb_endpoint": dynamodb.endpoint,
            "dynamodb_access_key_id": "local",
            "dynamodb_secret_access_key": SecretStr("local"),
            "dynamodb_create_table": True,
        }
    )
