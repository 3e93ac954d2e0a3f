"""The RoomService gRPC servicer: translates between the wire and the room
logic, and room errors into gRPC statuses (with the ErrorCode name in the
``chorus-error-code`` trailing metadata).

Each call's log lines carry its room id and the caller's request id (the
``x-request-id`` metadata); each call runs in its own task, so what it binds
stays with it (and with the replies it starts)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

import grpc
from chorus.v1 import room_pb2, room_pb2_grpc, voice_pb2
from chorus_common import context as log_context

from chorus_room import metrics
from chorus_room.errors import ERROR_CODE_METADATA_KEY, RoomError
from chorus_room.ports.store import StoreError
from chorus_room.session import GatewaySession, SessionDeps, StreamLagging

log = logging.getLogger("chorus.room.servicer")
T = TypeVar("T")
Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


def _bind_call(context: Context, room_id: str = "") -> None:
    log_context.bind(
        request_id=log_context.request_id_from(context.invocation_metadata())
        or log_context.new_request_id(),
        room_id=log_context.clean_id(room_id),
    )


async def _guard(context: Context, room_id: str, call: Callable[[], Awaitable[T]]) -> T:
    _bind_call(context, room_id)
    try:
        return await call()
    except RoomError as exc:
        metrics.error_sent(exc.code)
        log.info("refused: %s", room_pb2.ErrorCode.Name(exc.code))
        await context.abort(
            exc.grpc_status,
            exc.message,
            trailing_metadata=((ERROR_CODE_METADATA_KEY, room_pb2.ErrorCode.Name(exc.code)),),
        )
    except StoreError as exc:
        log.error("store error: %s", exc)
        metrics.error_sent(room_pb2.ERROR_CODE_UNAVAILABLE)
        await context.abort(
            grpc.StatusCode.UNAVAILABLE,
            "Storage is unavailable; try again.",
            trailing_metadata=((ERROR_CODE_METADATA_KEY, "ERROR_CODE_UNAVAILABLE"),),
        )
    raise AssertionError("unreachable: abort raises")


class RoomServicer(room_pb2_grpc.RoomServiceServicer):  # type: ignore[misc]
    def __init__(self, deps: SessionDeps) -> None:
        self._deps = deps
        self._rooms = deps.rooms
        #: RoomSession handlers running now (gRPC's tasks, not ours).
        self._sessions: set[asyncio.Task[Any]] = set()

    async def sessions_ended(self) -> None:
        """Wait until the RoomSession handlers have finished their cleanup
        (members leave presence), so the adapters they use are closed only
        after it (the caller bounds the wait)."""
        if self._sessions:
            await asyncio.wait(set(self._sessions))

    async def CreateRoom(
        self, request: room_pb2.CreateRoomRequest, context: Context
    ) -> room_pb2.CreateRoomResponse:
        return await _guard(context, "", lambda: self._rooms.create(request))

    async def GetRoom(self, request: room_pb2.GetRoomRequest, context: Context) -> room_pb2.Room:
        async def call() -> room_pb2.Room:
            room = await self._rooms.authorize(request.room_id, request.credentials)
            return await self._rooms.view(room)

        return await _guard(context, request.room_id, call)

    async def ListRooms(
        self, request: room_pb2.ListRoomsRequest, context: Context
    ) -> room_pb2.ListRoomsResponse:
        async def call() -> room_pb2.ListRoomsResponse:
            return room_pb2.ListRoomsResponse(rooms=await self._rooms.summaries(request.rooms))

        return await _guard(context, "", call)

    async def UpdateRoom(
        self, request: room_pb2.UpdateRoomRequest, context: Context
    ) -> room_pb2.Room:
        return await _guard(context, request.room_id, lambda: self._rooms.update(request))

    async def AddPersona(
        self, request: room_pb2.AddPersonaRequest, context: Context
    ) -> room_pb2.Participant:
        return await _guard(context, request.room_id, lambda: self._rooms.add_persona(request))

    async def UpdatePersona(
        self, request: room_pb2.UpdatePersonaRequest, context: Context
    ) -> room_pb2.Participant:
        return await _guard(context, request.room_id, lambda: self._rooms.update_persona(request))

    async def RemovePersona(
        self, request: room_pb2.RemovePersonaRequest, context: Context
    ) -> room_pb2.RemovePersonaResponse:
        async def call() -> room_pb2.RemovePersonaResponse:
            await self._rooms.remove_persona(request)
            return room_pb2.RemovePersonaResponse()

        return await _guard(context, request.room_id, call)

    async def ListVoices(
        self, request: voice_pb2.ListVoicesRequest, context: Context
    ) -> voice_pb2.ListVoicesResponse:
        return await _guard(context, "", self._rooms.list_voices)

    async def ListPresets(
        self, request: room_pb2.ListPresetsRequest, context: Context
    ) -> room_pb2.ListPresetsResponse:
        return self._rooms.presets()

    async def LoadHistory(
        self, request: room_pb2.LoadHistoryRequest, context: Context
    ) -> room_pb2.LoadHistoryResponse:
        return await _guard(context, request.room_id, lambda: self._rooms.history(request))

    async def RoomSession(self, request_iterator: object, context: Context) -> None:
        batch = await context.read()
        if not isinstance(batch, room_pb2.SessionRequests) or not (
            batch.requests and batch.requests[0].HasField("open")
        ):
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "The first request must be `open`."
            )
        assert isinstance(batch, room_pb2.SessionRequests)
        first, pending = batch.requests[0], batch.requests[1:]
        room_id, gateway_id = first.open.room_id, first.open.gateway_id
        log_context.bind(
            room_id=log_context.clean_id(room_id), gateway_id=log_context.clean_id(gateway_id)
        )
        session = GatewaySession(self._deps, room_id)
        log.info("session opened")
        metrics.OPEN_STREAMS.add(session)
        handler = asyncio.current_task()
        if handler is not None:
            self._sessions.add(handler)
        try:
            await session.run(context, pending)
        except* StreamLagging:
            log.warning("dropping a lagging gateway stream")
            metrics.SLOW_CONSUMERS.inc()
            await context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, "Stream lagging; reconnect and resume."
            )
        except* StoreError:
            metrics.error_sent(room_pb2.ERROR_CODE_UNAVAILABLE)
            await context.abort(grpc.StatusCode.UNAVAILABLE, "Storage is unavailable.")
        finally:
            if handler is not None:
                self._sessions.discard(handler)
            metrics.OPEN_STREAMS.discard(session)
            log.info("session closed")
