"""Shared live state across two room-service instances on one DynamoDB table
and one Redis: an interrupt pressed on one stops the reply the other runs, a
joiner on one sees the other's streaming reply, presence is one (a stopped or
killed instance's members go offline for everyone), and the persona-chain
budget is per room, not per instance."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from chorus.v1 import chat_pb2, room_pb2, room_pb2_grpc
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer

from .conftest import scale_settings
from .fakes import Script, ScriptedCompleter
from .servers import DynamoDBLocal, RedisServer, free_port, wait_listening
from .session_client import SessionClient
from .test_scale_out import Instance


def reply_ended(event: room_pb2.RoomEvent) -> bool:
    return event.HasField("reply_ended")


def offline(participant_id: str) -> Callable[[room_pb2.RoomEvent], bool]:
    def matches(event: room_pb2.RoomEvent) -> bool:
        return (
            event.HasField("presence")
            and event.presence.participant_id == participant_id
            and not event.presence.online
        )

    return matches


async def start_instance(
    tmp_path: Path,
    dynamodb: DynamoDBLocal,
    redis: RedisServer,
    table: str,
    **settings: object,
) -> Instance:
    base = RoomSettings(
        host="127.0.0.1",
        port=0,
        database=str(tmp_path / f"{uuid.uuid4().hex[:8]}.db"),
        chat_target="127.0.0.1:1",
    )
    completer = ScriptedCompleter()
    server = RoomServer(
        scale_settings(base, dynamodb, redis, table).model_copy(update=settings),
        completer=completer,
    )
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return Instance(server, channel, room_pb2_grpc.RoomServiceStub(channel), completer)


@pytest_asyncio.fixture
async def pair(
    tmp_path: Path, dynamodb_local: DynamoDBLocal, redis_server: RedisServer
) -> AsyncIterator[list[Instance]]:
    table = f"chorus-{uuid.uuid4().hex[:12]}"
    out = [
        await start_instance(tmp_path, dynamodb_local, redis_server, table, persona_chain_budget=1)
        for _ in range(2)
    ]
    yield out
    for instance in out:
        await instance.stop()


@pytest.mark.asyncio
async def test_an_interrupt_pressed_on_b_stops_the_reply_a_runs(pair: list[Instance]) -> None:
    a, b = pair
    a.completer.script = lambda _r: Script(tokens=["Counting", " one", " two"], hang=True)
    created = await a.stub.CreateRoom(
        room_pb2.CreateRoomRequest(name="Stop", personas=[room_pb2.PersonaSpec(name="Ada")])
    )
    gw_a, gw_b = a.session(created.room.id), b.session(created.room.id)
    await gw_a.join("bob", created.invite_token, "Bob")
    await gw_b.join("cy", created.invite_token, "Cy")
    await gw_a.send("bob", "@Ada count forever")
    seen = await gw_b.events_until(
        "cy", lambda e: e.HasField("reply_delta") and "two" in e.reply_delta.text
    )
    reply_id = next(e.reply_started.reply_id for e in seen if e.HasField("reply_started"))

    await gw_b.frame(
        "cy", room_pb2.ClientFrame(ref="stop", interrupt=room_pb2.Interrupt(reply_id=reply_id))
    )
    events = await gw_b.events_until("cy", reply_ended, within=5)
    assert events[-1].reply_ended.outcome == room_pb2.REPLY_OUTCOME_INTERRUPTED
    stored = [e.message for e in events if e.HasField("message")]
    assert [(m.text, m.status) for m in stored] == [
        ("Counting one two", room_pb2.MESSAGE_STATUS_INTERRUPTED)
    ]
    assert a.completer.cancelled == 1 and not b.completer.requests
    # No error answered the stop; stopping it again anywhere: it is gone.
    assert not any(r.frame.HasField("error") for r in gw_b.received)
    await gw_b.frame(
        "cy", room_pb2.ClientFrame(ref="again", interrupt=room_pb2.Interrupt(reply_id=reply_id))
    )
    error = (await gw_b.next_for("cy", lambda r: r.frame.HasField("error"))).frame.error
    assert (error.code, error.ref) == (room_pb2.ERROR_CODE_UNKNOWN_REPLY, "again")
    await gw_a.aclose()
    await gw_b.aclose()


@pytest.mark.asyncio
async def test_stop_all_on_b_stops_every_reply_in_the_room(pair: list[Instance]) -> None:
    a, b = pair
    a.completer.script = lambda _r: Script(tokens=["Still", " going"], hang=True)
    created = await a.stub.CreateRoom(
        room_pb2.CreateRoomRequest(name="Hush", personas=[room_pb2.PersonaSpec(name="Ada")])
    )
    gw_a, gw_b = a.session(created.room.id), b.session(created.room.id)
    await gw_a.join("bob", created.invite_token, "Bob")
    await gw_b.join("cy", created.invite_token, "Cy")
    await gw_a.send("bob", "@Ada talk")
    await gw_b.events_until("cy", lambda e: e.HasField("reply_delta"))
    await gw_b.frame("cy", room_pb2.ClientFrame(interrupt=room_pb2.Interrupt()))
    events = await gw_a.events_until("bob", reply_ended, within=5)
    assert events[-1].reply_ended.outcome == room_pb2.REPLY_OUTCOME_INTERRUPTED
    await gw_a.aclose()
    await gw_b.aclose()


@pytest.mark.asyncio
async def test_a_joiner_on_b_sees_the_reply_a_streams_with_its_text(
    pair: list[Instance],
) -> None:
    a, b = pair
    a.completer.script = lambda _r: Script(tokens=["slow", " words"], delay_s=0.05, hang=True)
    created = await a.stub.CreateRoom(
        room_pb2.CreateRoomRequest(name="Late", personas=[room_pb2.PersonaSpec(name="Ada")])
    )
    gw_a = a.session(created.room.id)
    asker = await gw_a.join("bob", created.invite_token, "Bob")
    await gw_a.send("bob", "@Ada talk")
    seen = await gw_a.events_until(
        "bob", lambda e: e.HasField("reply_delta") and "words" in e.reply_delta.text
    )
    reply_id = next(e.reply_started.reply_id for e in seen if e.HasField("reply_started"))
    # The text so far is shared at most every active_reply_flush_s (0.15 s).
    await asyncio.sleep(0.5)
    gw_b = b.session(created.room.id)
    late = await gw_b.join("cy", created.invite_token, "Cy")
    assert [(r.reply_id, r.text) for r in late.active_replies] == [(reply_id, "slow words")]
    assert asker.you.id in late.online_participant_ids  # online on A
    # Once it ends, a joiner no longer sees it.
    await gw_b.frame("cy", room_pb2.ClientFrame(interrupt=room_pb2.Interrupt(reply_id=reply_id)))
    await gw_b.events_until("cy", reply_ended, within=5)
    later = await b.session(created.room.id).join("dee", created.invite_token, "Dee")
    assert not later.active_replies
    await gw_a.aclose()
    await gw_b.aclose()


@pytest.mark.asyncio
async def test_the_chain_budget_is_spent_across_instances(pair: list[Instance]) -> None:
    """Budget 1 per room: Ada asking Grace on A spends it, so on B Ada's
    question to Grace asks nobody."""
    a, b = pair
    turn = itertools.count()

    def script(request: chat_pb2.CompleteRequest) -> Script:
        me = "Ada" if "You are Ada" in request.messages[-1].content else "Grace"
        other = "Grace" if me == "Ada" else "Ada"
        return Script(tokens=[f"Thought {next(turn)}. Over to you @{other}, what do you think?"])

    a.completer.script = b.completer.script = script
    created = await a.stub.CreateRoom(
        room_pb2.CreateRoomRequest(
            name="Budget",
            personas=[room_pb2.PersonaSpec(name="Ada"), room_pb2.PersonaSpec(name="Grace")],
        )
    )
    gw_a, gw_b = a.session(created.room.id), b.session(created.room.id)
    await gw_a.join("bob", created.invite_token, "Bob")
    await gw_b.join("cy", created.invite_token, "Cy")
    await gw_a.send("bob", "@Ada start")
    for _ in range(2):  # Ada, then Grace (the budget's one chained reply)
        await gw_a.events_until("bob", reply_ended)
    await asyncio.sleep(0.3)
    assert len(a.completer.requests) == 2  # Grace's mention of Ada: budget spent
    await gw_b.send("cy", "@Ada again")
    await gw_b.events_until("cy", lambda e: reply_ended(e) and e.reply_ended.message_seq > 0)
    await asyncio.sleep(0.3)
    assert len(b.completer.requests) == 1  # Ada only: B sees the same budget
    await gw_a.aclose()
    await gw_b.aclose()


@pytest.mark.asyncio
async def test_a_stopped_instances_members_go_offline_for_the_others(
    pair: list[Instance],
) -> None:
    a, b = pair
    created = await a.stub.CreateRoom(room_pb2.CreateRoomRequest(name="Bye"))
    gw_a, gw_b = a.session(created.room.id), b.session(created.room.id)
    alice = await gw_a.join("alice", created.invite_token, "Alice")
    bea = await gw_b.join("bea", created.invite_token, "Bea")
    assert bea.online_participant_ids == sorted([alice.you.id, bea.you.id])
    await a.stop()
    await gw_b.events_until("bea", offline(alice.you.id), within=10)
    late = await b.session(created.room.id).join("cy", created.invite_token, "Cy")
    assert alice.you.id not in late.online_participant_ids
    await gw_b.aclose()


def room_process(
    dynamodb: DynamoDBLocal, redis: RedisServer, table: str, presence_ttl_s: float
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "CHORUS_ROOM_HOST": "127.0.0.1",
        "CHORUS_ROOM_PORT": str(port),
        "CHORUS_ROOM_METRICS_PORT": "0",
        "CHORUS_ROOM_CHAT_TARGET": "127.0.0.1:1",
        "CHORUS_ROOM_STORE": "dynamodb",
        "CHORUS_ROOM_BUS": "redis",
        "CHORUS_ROOM_REDIS_URL": redis.url,
        "CHORUS_ROOM_DYNAMODB_TABLE": table,
        "CHORUS_ROOM_DYNAMODB_ENDPOINT": dynamodb.endpoint,
        "CHORUS_ROOM_DYNAMODB_ACCESS_KEY_ID": "local",
        "CHORUS_ROOM_DYNAMODB_SECRET_ACCESS_KEY": "local",
        "CHORUS_ROOM_DYNAMODB_CREATE_TABLE": "true",
        "CHORUS_ROOM_PRESENCE_TTL_S": str(presence_ttl_s),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chorus_room"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_listening(port, 60, process)
    return process, port


@pytest.mark.asyncio
async def test_a_killed_instances_members_expire_for_the_others(
    tmp_path: Path, dynamodb_local: DynamoDBLocal, redis_server: RedisServer
) -> None:
    """kill -9 of the room service Alice is on: no one says goodbye for her;
    her presence expires and the other instance tells its members."""
    table = f"chorus-{uuid.uuid4().hex[:12]}"
    process, port = room_process(dynamodb_local, redis_server, table, presence_ttl_s=2.0)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    b = await start_instance(tmp_path, dynamodb_local, redis_server, table, presence_ttl_s=2.0)
    try:
        created = await room_pb2_grpc.RoomServiceStub(channel).CreateRoom(
            room_pb2.CreateRoomRequest(name="Crash")
        )
        gw_a = SessionClient(room_pb2_grpc.RoomServiceStub(channel), created.room.id)
        gw_b = b.session(created.room.id)
        alice = await gw_a.join("alice", created.invite_token, "Alice")
        bea = await gw_b.join("bea", created.invite_token, "Bea")
        assert alice.you.id in bea.online_participant_ids
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        await gw_b.events_until("bea", offline(alice.you.id), within=10)
        late = await b.session(created.room.id).join("cy", created.invite_token, "Cy")
        assert alice.you.id not in late.online_participant_ids
        await gw_b.aclose()
    finally:
        await channel.close(grace=None)
        await b.stop()
        if process.poll() is None:
            process.kill()
            process.wait(10)
