"""The unary RoomService RPCs over real gRPC, and their errors."""

from __future__ import annotations

import grpc
import pytest
from chorus.v1 import room_pb2
from chorus_room.errors import ERROR_CODE_METADATA_KEY
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .conftest import RoomHarness


async def rpc_error(awaitable: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await awaitable  # type: ignore[misc]
    metadata = dict(info.value.trailing_metadata() or ())
    return info.value.code(), str(metadata.get(ERROR_CODE_METADATA_KEY, ""))


def invite(token: str) -> room_pb2.RoomCredentials:
    return room_pb2.RoomCredentials(invite_token=token)


@pytest.mark.asyncio
async def test_create_get_and_list(harness: RoomHarness) -> None:
    created = await harness.create_room("Ada", description="desc")
    assert created.room.id.startswith("r") and len(created.room.id) >= 22
    assert len(created.invite_token) >= 40 and len(created.owner_token) >= 40
    persona = created.room.participants[0]
    assert persona.persona.model == "tiny"  # the chat service's default filled in
    room = await harness.stub.GetRoom(
        room_pb2.GetRoomRequest(room_id=created.room.id, credentials=invite(created.invite_token))
    )
    assert room.name == "Test room" and room.description == "desc" and room.last_seq == 1
    listed = await harness.stub.ListRooms(
        room_pb2.ListRoomsRequest(
            rooms=[
                room_pb2.RoomKey(
                    room_id=created.room.id,
                    credentials=room_pb2.RoomCredentials(owner_token=created.owner_token),
                ),
                room_pb2.RoomKey(room_id=created.room.id, credentials=invite("wrong")),
                room_pb2.RoomKey(room_id="rNope", credentials=invite("x")),
            ]
        )
    )
    assert [(r.id, r.owner, r.persona_count) for r in listed.rooms] == [(created.room.id, True, 1)]


@pytest.mark.asyncio
async def test_access_errors_carry_codes(harness: RoomHarness) -> None:
    created = await harness.create_room()
    assert await rpc_error(
        harness.stub.GetRoom(room_pb2.GetRoomRequest(room_id="rNope", credentials=invite("x")))
    ) == (grpc.StatusCode.NOT_FOUND, "ERROR_CODE_UNKNOWN_ROOM")
    assert await rpc_error(
        harness.stub.GetRoom(
            room_pb2.GetRoomRequest(room_id=created.room.id, credentials=invite("bad"))
        )
    ) == (grpc.StatusCode.PERMISSION_DENIED, "ERROR_CODE_BAD_INVITE")
    # The invite does not administer the room.
    assert await rpc_error(
        harness.stub.UpdateRoom(
            room_pb2.UpdateRoomRequest(
                room_id=created.room.id, owner_token=created.invite_token, name="x"
            )
        )
    ) == (grpc.StatusCode.PERMISSION_DENIED, "ERROR_CODE_FORBIDDEN")
    assert await rpc_error(harness.stub.CreateRoom(room_pb2.CreateRoomRequest(name="  "))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "ERROR_CODE_INVALID_ARGUMENT",
    )
    code, _ = await rpc_error(
        harness.stub.CreateRoom(
            room_pb2.CreateRoomRequest(
                name="x", personas=[room_pb2.PersonaSpec(name="A", model="gpt-imaginary")]
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = await rpc_error(
        harness.stub.CreateRoom(
            room_pb2.CreateRoomRequest(
                name="x", personas=[room_pb2.PersonaSpec(name="A"), room_pb2.PersonaSpec(name="a")]
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.asyncio
async def test_owner_manages_room_and_personas_as_events(harness: RoomHarness) -> None:
    created = await harness.create_room("Ada")
    rid, owner = created.room.id, created.owner_token
    room = await harness.stub.UpdateRoom(
        room_pb2.UpdateRoomRequest(room_id=rid, owner_token=owner, description="New plan")
    )
    assert (room.name, room.description) == ("Test room", "New plan")
    grace = await harness.stub.AddPersona(
        room_pb2.AddPersonaRequest(
            room_id=rid,
            owner_token=owner,
            persona=room_pb2.PersonaSpec(name="Grace", system_prompt="Admiral."),
        )
    )
    edited = await harness.stub.UpdatePersona(
        room_pb2.UpdatePersonaRequest(
            room_id=rid,
            owner_token=owner,
            participant_id=grace.id,
            persona=room_pb2.PersonaSpec(name="Grace H", title="Admiral", system_prompt="Navy."),
        )
    )
    assert (edited.id, edited.name, edited.persona.system_prompt) == (grace.id, "Grace H", "Navy.")
    ada = created.room.participants[0]
    await harness.stub.RemovePersona(
        room_pb2.RemovePersonaRequest(room_id=rid, owner_token=owner, participant_id=ada.id)
    )
    history = await harness.stub.LoadHistory(
        room_pb2.LoadHistoryRequest(room_id=rid, credentials=invite(created.invite_token))
    )
    assert [e.WhichOneof("kind") for e in history.events] == [
        "participant_joined",
        "room_updated",
        "participant_joined",
        "participant_updated",
        "participant_removed",
    ]
    room = await harness.stub.GetRoom(
        room_pb2.GetRoomRequest(room_id=rid, credentials=invite(created.invite_token))
    )
    assert [p.name for p in room.participants] == ["Grace H"]


@pytest.mark.asyncio
async def test_history_pages(harness: RoomHarness) -> None:
    created = await harness.create_room()
    gw = harness.session(created.room.id)
    await gw.join("a", created.invite_token, "Bob")
    for i in range(10):
        await gw.send("a", f"m{i}", client_msg_id=str(i))
        await gw.next_for("a", lambda r: r.frame.HasField("ack"))
    creds = invite(created.invite_token)
    newest = await harness.stub.LoadHistory(
        room_pb2.LoadHistoryRequest(room_id=created.room.id, credentials=creds, limit=4)
    )
    assert [e.seq for e in newest.events] == [8, 9, 10, 11] and newest.has_more
    older = await harness.stub.LoadHistory(
        room_pb2.LoadHistoryRequest(
            room_id=created.room.id, credentials=creds, before_seq=8, limit=4
        )
    )
    assert [e.seq for e in older.events] == [4, 5, 6, 7]
    after = await harness.stub.LoadHistory(
        room_pb2.LoadHistoryRequest(
            room_id=created.room.id, credentials=creds, after_seq=9, limit=4
        )
    )
    assert [e.seq for e in after.events] == [10, 11] and not after.has_more
    code, _ = await rpc_error(
        harness.stub.LoadHistory(
            room_pb2.LoadHistoryRequest(room_id=created.room.id, credentials=creds, limit=1000)
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    await gw.aclose()


@pytest.mark.asyncio
async def test_health_and_reflection_are_served(harness: RoomHarness) -> None:
    health = health_pb2_grpc.HealthStub(harness.channel)
    for service in ("", "chorus.v1.RoomService"):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    stub = reflection_pb2_grpc.ServerReflectionStub(harness.channel)
    call = stub.ServerReflectionInfo()
    await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    response = await call.read()
    await call.done_writing()
    names = {s.name for s in response.list_services_response.service}
    assert {"chorus.v1.RoomService", "grpc.health.v1.Health"} <= names
