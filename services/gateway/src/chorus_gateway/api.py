"""The REST API under /api. Bodies are the protobuf JSON mapping of the
room.proto / chat.proto messages (parsed with json_format into the message,
answered with MessageToDict): there is no second schema here. The OpenAPI
document describes each body as an object named after its proto message.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar, cast

import grpc
import orjson
from chorus.v1 import chat_pb2, room_pb2, voice_pb2
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from google.protobuf import json_format
from google.protobuf.message import Message

from chorus_gateway.codec import to_json
from chorus_gateway.errors import GatewayError, bad_body, from_rpc_error
from chorus_gateway.runtime import Gateway

#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 256 * 1024

_M = TypeVar("_M", bound=Message)
_R = TypeVar("_R")

#: Seqs are int64 on the wire.
MAX_SEQ = 2**63 - 1

router = APIRouter(prefix="/api", tags=["rooms"])


def get_gateway(request: Request) -> Gateway:
    return cast(Gateway, request.app.state.gateway)


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
InviteHeader = Annotated[
    str | None,
    Header(alias="X-Chorus-Invite", description="The room's invite token."),
]
AuthorizationHeader = Annotated[
    str | None,
    Header(description="`Bearer <owner token>`: administers the room."),
]


# ------------------------------------------------------------------ helpers


def _proto_schema(message: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": f"`chorus.v1.{message}` in the protobuf JSON mapping "
        "(lowerCamelCase names, enums by name, 64-bit integers as strings).",
    }


def _body_doc(message: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _proto_schema(message)}},
        }
    }


def _response_doc(status: int, message: str) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": f"chorus.v1.{message}",
            "content": {"application/json": {"schema": _proto_schema(message)}},
        },
        "4XX": {
            "description": 'Error: `{"error": {"code": "<ErrorCode name>", "message": "..."}}`',
        },
    }


def proto_response(message: Message, status: int = 200) -> Response:
    return Response(to_json(message), status_code=status, media_type="application/json")


async def _read_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise GatewayError(
                413, room_pb2.ERROR_CODE_TOO_LARGE, f"Body is larger than {MAX_BODY_BYTES} bytes."
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_body(request: Request, message: _M, *, allowed: frozenset[str] | None = None) -> _M:
    """Fill ``message`` from the JSON body; 400 BAD_FRAME when it does not fit."""
    raw = await _read_body(request)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise bad_body("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_body(f"The body must be a JSON object ({message.DESCRIPTOR.full_name}).")
    if allowed is not None and (extra := data.keys() - allowed):
        raise bad_body(f"Unexpected field(s): {', '.join(sorted(extra))[:200]}.")
    try:
        json_format.ParseDict(data, message)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise bad_body(f"Malformed {message.DESCRIPTOR.full_name}: {exc}"[:300]) from None
    return message


async def call(pending: Awaitable[_R], *, service: str = "room") -> _R:
    try:
        return await pending
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc, service=service) from exc


def _bearer(authorization: str | None) -> str:
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return ""


def owner_token(authorization: AuthorizationHeader = None, invite: InviteHeader = None) -> str:
    token = _bearer(authorization)
    if not token and (invite or "").strip():  # a member, not the owner
        raise GatewayError(403, room_pb2.ERROR_CODE_FORBIDDEN, "Only the room's owner may do this.")
    if not token:
        raise GatewayError(
            401, room_pb2.ERROR_CODE_FORBIDDEN, "Send the owner token as Authorization: Bearer."
        )
    return token


def credentials(
    invite: InviteHeader = None, authorization: AuthorizationHeader = None
) -> room_pb2.RoomCredentials:
    creds = room_pb2.RoomCredentials(
        invite_token=(invite or "").strip(), owner_token=_bearer(authorization)
    )
    if not creds.invite_token and not creds.owner_token:
        raise GatewayError(
            401,
            room_pb2.ERROR_CODE_BAD_INVITE,
            "Send the invite token as X-Chorus-Invite (or the owner token as Bearer).",
        )
    return creds


OwnerToken = Annotated[str, Depends(owner_token)]
Credentials = Annotated[room_pb2.RoomCredentials, Depends(credentials)]


# ------------------------------------------------------------------ routes


@router.post(
    "/rooms",
    status_code=201,
    summary="Create a room",
    openapi_extra=_body_doc("CreateRoomRequest"),
    responses=_response_doc(201, "CreateRoomResponse"),
)
async def create_room(request: Request, gateway: GatewayDep) -> Response:
    address = request.client.host if request.client else ""
    wait = gateway.room_creations.take(address)
    if wait:
        raise GatewayError(
            429,
            room_pb2.ERROR_CODE_RATE_LIMITED,
            "Too many rooms created from this address; try again later.",
            retryable=True,
            retry_after_s=wait,
        )
    body = await parse_body(request, room_pb2.CreateRoomRequest())
    timeout = gateway.settings.rpc_timeout_s
    created = await call(gateway.room.create_room(body, timeout=timeout))
    return proto_response(created, 201)


@router.post(
    "/rooms/list",
    summary="Summaries of the rooms whose credentials are given",
    openapi_extra=_body_doc("ListRoomsRequest"),
    responses=_response_doc(200, "ListRoomsResponse"),
)
async def list_rooms(request: Request, gateway: GatewayDep) -> Response:
    body = await parse_body(request, room_pb2.ListRoomsRequest())
    rooms = await call(gateway.room.list_rooms(body, timeout=gateway.settings.rpc_timeout_s))
    return proto_response(rooms)


@router.get("/rooms/{room_id}", summary="A room", responses=_response_doc(200, "Room"))
async def get_room(room_id: str, creds: Credentials, gateway: GatewayDep) -> Response:
    request = room_pb2.GetRoomRequest(room_id=room_id, credentials=creds)
    room = await call(gateway.room.get_room(request, timeout=gateway.settings.rpc_timeout_s))
    return proto_response(room)


@router.patch(
    "/rooms/{room_id}",
    summary="Rename or describe a room (owner)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "`name` and/or `description` "
                        "(fields of chorus.v1.UpdateRoomRequest).",
                    }
                }
            },
        }
    },
    responses=_response_doc(200, "Room"),
)
async def update_room(
    room_id: str, request: Request, token: OwnerToken, gateway: GatewayDep
) -> Response:
    body = await parse_body(
        request, room_pb2.UpdateRoomRequest(), allowed=frozenset({"name", "description"})
    )
    body.room_id = room_id
    body.owner_token = token
    room = await call(gateway.room.update_room(body, timeout=gateway.settings.rpc_timeout_s))
    return proto_response(room)


@router.post(
    "/rooms/{room_id}/personas",
    status_code=201,
    summary="Add a persona (owner)",
    openapi_extra=_body_doc("PersonaSpec"),
    responses=_response_doc(201, "Participant"),
)
async def add_persona(
    room_id: str, request: Request, token: OwnerToken, gateway: GatewayDep
) -> Response:
    spec = await parse_body(request, room_pb2.PersonaSpec())
    add = room_pb2.AddPersonaRequest(room_id=room_id, owner_token=token, persona=spec)
    added = await call(gateway.room.add_persona(add, timeout=gateway.settings.rpc_timeout_s))
    return proto_response(added, 201)


@router.put(
    "/rooms/{room_id}/personas/{participant_id}",
    summary="Replace a persona's spec (owner)",
    openapi_extra=_body_doc("PersonaSpec"),
    responses=_response_doc(200, "Participant"),
)
async def update_persona(
    room_id: str, participant_id: str, request: Request, token: OwnerToken, gateway: GatewayDep
) -> Response:
    spec = await parse_body(request, room_pb2.PersonaSpec())
    update = room_pb2.UpdatePersonaRequest(
        room_id=room_id, owner_token=token, participant_id=participant_id, persona=spec
    )
    updated = await call(
        gateway.room.update_persona(update, timeout=gateway.settings.rpc_timeout_s)
    )
    return proto_response(updated)


@router.delete(
    "/rooms/{room_id}/personas/{participant_id}",
    status_code=204,
    summary="Remove a persona (owner)",
    response_class=Response,
)
async def remove_persona(
    room_id: str, participant_id: str, token: OwnerToken, gateway: GatewayDep
) -> Response:
    remove = room_pb2.RemovePersonaRequest(
        room_id=room_id, owner_token=token, participant_id=participant_id
    )
    await call(gateway.room.remove_persona(remove, timeout=gateway.settings.rpc_timeout_s))
    return Response(status_code=204)


@router.get(
    "/rooms/{room_id}/history",
    summary="A page of the room's durable events",
    responses=_response_doc(200, "LoadHistoryResponse"),
)
async def load_history(
    room_id: str,
    creds: Credentials,
    gateway: GatewayDep,
    before_seq: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Events with seq < this; 0: newest.")
    ] = 0,
    after_seq: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Events with seq > this, oldest first.")
    ] = None,
    limit: Annotated[int, Query(ge=0, le=10_000, description="Page size; 0: default.")] = 0,
) -> Response:
    request = room_pb2.LoadHistoryRequest(
        room_id=room_id, credentials=creds, before_seq=before_seq, limit=limit
    )
    if after_seq is not None:
        request.after_seq = after_seq
    page = await call(gateway.room.load_history(request, timeout=gateway.settings.rpc_timeout_s))
    return proto_response(page)


@router.get(
    "/presets",
    summary="Persona presets and room templates to start from",
    responses=_response_doc(200, "ListPresetsResponse"),
)
async def list_presets(gateway: GatewayDep) -> Response:
    presets = await call(
        gateway.room.list_presets(
            room_pb2.ListPresetsRequest(), timeout=gateway.settings.rpc_timeout_s
        )
    )
    return proto_response(presets)


@router.get(
    "/voices",
    tags=["voices"],
    summary="Voices personas may speak with",
    responses=_response_doc(200, "ListVoicesResponse"),
)
async def list_voices(gateway: GatewayDep) -> Response:
    voices = await call(
        gateway.room.list_voices(
            voice_pb2.ListVoicesRequest(), timeout=gateway.settings.rpc_timeout_s
        )
    )
    return proto_response(voices)


@router.get(
    "/models",
    tags=["models"],
    summary="Models the chat service can run",
    responses=_response_doc(200, "ListModelsResponse"),
)
async def list_models(gateway: GatewayDep) -> Response:
    models = await call(
        gateway.chat.list_models(
            chat_pb2.ListModelsRequest(), timeout=gateway.settings.rpc_timeout_s
        ),
        service="chat",
    )
    return proto_response(models)
