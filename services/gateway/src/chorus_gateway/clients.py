"""Typed handles on the gRPC services the gateway calls.

grpcio ships no type information and the generated ``*_pb2_grpc`` stubs are
untyped: this module wraps them once, behind small protocols (method paths and
serializers still come from the generated code), so the rest of the gateway
is checked by mypy.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Protocol, TypeVar, cast

import grpc
from chorus.v1 import chat_pb2, chat_pb2_grpc, room_pb2, room_pb2_grpc, voice_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

_Req = TypeVar("_Req", contravariant=True)
_Resp = TypeVar("_Resp", covariant=True)


class Unary(Protocol[_Req, _Resp]):
    def __call__(self, request: _Req, *, timeout: float | None = ...) -> Awaitable[_Resp]: ...


class SessionCall(Protocol):
    """The client side of one RoomSession stream (grpc.aio.StreamStreamCall)."""

    async def write(self, request: room_pb2.SessionRequests) -> None: ...
    async def read(self) -> room_pb2.SessionResponses | object: ...
    async def done_writing(self) -> None: ...
    def cancel(self) -> bool: ...


#: What ``SessionCall.read`` returns at the end of the stream.
EOF: object = grpc.aio.EOF


class RoomClient:
    """RoomService, over one channel shared by every request and room link."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        stub: Any = room_pb2_grpc.RoomServiceStub(channel)
        self.create_room: Unary[room_pb2.CreateRoomRequest, room_pb2.CreateRoomResponse] = (
            stub.CreateRoom
        )
        self.get_room: Unary[room_pb2.GetRoomRequest, room_pb2.Room] = stub.GetRoom
        self.list_rooms: Unary[room_pb2.ListRoomsRequest, room_pb2.ListRoomsResponse] = (
            stub.ListRooms
        )
        self.update_room: Unary[room_pb2.UpdateRoomRequest, room_pb2.Room] = stub.UpdateRoom
        self.add_persona: Unary[room_pb2.AddPersonaRequest, room_pb2.Participant] = stub.AddPersona
        self.update_persona: Unary[room_pb2.UpdatePersonaRequest, room_pb2.Participant] = (
            stub.UpdatePersona
        )
        self.remove_persona: Unary[
            room_pb2.RemovePersonaRequest, room_pb2.RemovePersonaResponse
        ] = stub.RemovePersona
        self.load_history: Unary[room_pb2.LoadHistoryRequest, room_pb2.LoadHistoryResponse] = (
            stub.LoadHistory
        )
        self.list_presets: Unary[room_pb2.ListPresetsRequest, room_pb2.ListPresetsResponse] = (
            stub.ListPresets
        )
        self.list_voices: Unary[voice_pb2.ListVoicesRequest, voice_pb2.ListVoicesResponse] = (
            stub.ListVoices
        )
        self._room_session = stub.RoomSession

    def open_session(self) -> SessionCall:
        """Start a RoomSession stream; requests go in with ``write``."""
        return cast(SessionCall, self._room_session(None))


class ChatClient:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        stub: Any = chat_pb2_grpc.ChatServiceStub(channel)
        self.list_models: Unary[chat_pb2.ListModelsRequest, chat_pb2.ListModelsResponse] = (
            stub.ListModels
        )


async def is_serving(channel: grpc.aio.Channel, *, deadline_s: float) -> bool:
    """Whether the server behind ``channel`` answers grpc.health.v1 SERVING."""
    check: Unary[health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse] = (
        health_pb2_grpc.HealthStub(channel).Check
    )
    try:
        response = await check(health_pb2.HealthCheckRequest(), timeout=deadline_s)
    except grpc.aio.AioRpcError:
        return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)
