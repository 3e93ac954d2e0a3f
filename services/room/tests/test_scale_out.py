"""Two room-service instances on one DynamoDB table and one Redis: a room
behaves as on one machine. Each test side is a gateway stream to one
instance; the counts of lost and doubled messages must be 0."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from chorus.v1 import room_pb2, room_pb2_grpc
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer

from .conftest import scale_settings
from .fakes import Script, ScriptedCompleter
from .servers import DynamoDBLocal, RedisServer, free_port, wait_listening
from .session_client import SessionClient


@dataclass
class Instance:
    server: RoomServer
    channel: grpc.aio.Channel
    stub: room_pb2_grpc.RoomServiceStub
    completer: ScriptedCompleter

    def session(self, room_id: str) -> SessionClient:
        return SessionClient(self.stub, room_id)

    async def stop(self, grace: float = 0.5) -> None:
        await self.channel.close(grace=None)
        await self.server.stop(grace=grace)


async def start_instances(
    tmp_path: Path, dynamodb_local: DynamoDBLocal, redis_server: RedisServer
) -> list[Instance]:
    table = f"chorus-{uuid.uuid4().hex[:12]}"
    out: list[Instance] = []
    for n in range(2):
        base = RoomSettings(
            host="127.0.0.1", port=0, database=str(tmp_path / f"{n}.db"), chat_target="127.0.0.1:1"
        )
        completer = ScriptedCompleter()
        server = RoomServer(
            scale_settings(base, dynamodb_local, redis_server, table), completer=completer
        )
        port = await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        out.append(Instance(server, channel, room_pb2_grpc.RoomServiceStub(channel), completer))
    return out


@pytest_asyncio.fixture
async def instances(
    tmp_path: Path, dynamodb_local: DynamoDBLocal, redis_server: RedisServer
) -> AsyncIterator[list[Instance]]:
    out = await start_instances(tmp_path, dynamodb_local, redis_server)
    yield out
    for instance in out:
        await instance.stop()


def messages(events: list[room_pb2.RoomEvent]) -> list[tuple[int, str]]:
    return [(e.seq, e.message.text) for e in events if e.HasField("message")]


@pytest.mark.asyncio
async def test_people_on_two_instances_end_with_identical_histories(
    instances: list[Instance],
) -> None:
    a, b = instances
    created = await a.stub.CreateRoom(room_pb2.CreateRoomRequest(name="Spread"))
    room_id, invite = created.room.id, created.invite_token
    gw_a, gw_b = a.session(room_id), b.session(room_id)
    await gw_a.join("alice", invite, "Alice", after_seq=0)
    await gw_b.join("bea", invite, "Bea", after_seq=0)

    async def chatter(gw: SessionClient, conn: str) -> None:
        for i in range(15):
            await gw.send(conn, f"{conn} {i}", client_msg_id=f"{conn}-{i}")

    await asyncio.gather(chatter(gw_a, "alice"), chatter(gw_b, "bea"))

    def last(e: room_pb2.RoomEvent) -> bool:
        return e.HasField("message") and e.message.text in ("alice 14", "bea 14")

    seen_a = await gw_a.events_until("alice", last)
    seen_a += await gw_a.events_until("alice", last)
    seen_b = await gw_b.events_until("bea", last)
    seen_b += await gw_b.events_until("bea", last)
    durable_a = [e.seq for e in seen_a if e.seq]
    durable_b = [e.seq for e in seen_b if e.seq]
    assert durable_a == sorted(set(durable_a)) and durable_b == sorted(set(durable_b))
    texts = sorted(t for _, t in messages(seen_a))
    lost = 30 - len(set(texts))
    doubled = len(texts) - len(set(texts))
    assert (lost, doubled) == (0, 0)
    assert messages(seen_a)[-30:] == messages(seen_b)[-30:]
    await gw_a.aclose()
    await gw_b.aclose()


@pytest.mark.asyncio
async def test_a_reply_streams_to_members_on_the_other_instance(
    instances: list[Instance],
) -> None:
    a, b = instances
    a.completer.script = lambda _r: Script(tokens=["Hi", " from", " A"])
    created = await a.stub.CreateRoom(
        room_pb2.CreateRoomRequest(name="Lab", personas=[room_pb2.PersonaSpec(name="Ada")])
    )
    gw_a, gw_b = a.session(created.room.id), b.session(created.room.id)
    await gw_a.join("asker", created.invite_token, "Bob")
    await gw_b.join("watcher", created.invite_token, "Cy")
    await gw_a.send("asker", "hello @ada", client_msg_id="q")
    seen = await gw_b.events_until("watcher", lambda e: e.HasField("reply_ended"))
    deltas = "".join(e.reply_delta.text for e in seen if e.HasField("reply_delta"))
    final = [
        e.message.text for e in seen if e.HasField("message") and e.message.author_name == "Ada"
    ]
    assert deltas == "Hi from A" and final == ["Hi from A"]
    assert len(a.completer.requests) == 1 and not b.completer.requests  # answered once
    await gw_a.aclose()
    await gw_b.aclose()


@pytest.mark.asyncio
async def test_a_member_whose_instance_dies_resumes_on_the_other(
    instances: list[Instance],
) -> None:
    """Instance A goes away mid-conversation; Alice reconnects through B with
    her last seq and her token, retries her unacknowledged sends with the same
    ids: nothing lost, nothing doubled."""
    a, b = instances
    created = await a.stub.CreateRoom(room_pb2.CreateRoomRequest(name="Failover"))
    room_id, invite = created.room.id, created.invite_token
    gw_a, gw_b = a.session(room_id), b.session(room_id)
    welcome = await gw_a.join("alice", invite, "Alice", after_seq=0)
    await gw_b.join("bea", invite, "Bea", after_seq=0)
    for i in range(5):
        await gw_a.send("alice", f"alice {i}", client_msg_id=f"a-{i}")
    seen = await gw_a.events_until("alice", lambda e: e.message.text == "alice 4")
    last_seq = max(e.seq for e in seen)
    # Sends 5-7 leave; A dies before Alice sees their acks.
    for i in range(5, 8):
        await gw_a.send("alice", f"alice {i}", client_msg_id=f"a-{i}")
    await a.stop(grace=0)
    for i in range(3):
        await gw_b.send("bea", f"bea {i}", client_msg_id=f"b-{i}")

    again = b.session(room_id)
    back = await again.join(
        "alice2", invite, "", after_seq=last_seq, token=welcome.participant_token
    )
    assert back.you.id == welcome.you.id
    for i in range(5, 8):  # the retry of what was not acknowledged
        await again.send("alice2", f"alice {i}", client_msg_id=f"a-{i}")
    await again.next_for("alice2", lambda r: r.frame.ack.client_msg_id == "a-7")
    await gw_b.send("bea", "done", client_msg_id="b-done")
    await again.events_until("alice2", lambda e: e.message.text == "done")
    seen_again = [
        r.frame.event
        for r in again.received
        if r.frame.HasField("event") and (not r.conn_ids or "alice2" in r.conn_ids)
    ]
    texts = [t for _, t in messages(seen + seen_again)]
    expected = {f"alice {i}" for i in range(8)} | {f"bea {i}" for i in range(3)} | {"done"}
    lost = len(expected - set(texts))
    doubled = len(texts) - len(set(texts))
    assert (lost, doubled) == (0, 0), texts
    seqs = [e.seq for e in seen + seen_again if e.seq]
    assert seqs == sorted(set(seqs))
    await gw_b.aclose()
    await again.aclose()


@pytest.mark.asyncio
async def test_a_redis_restart_mid_conversation_loses_nothing(
    tmp_path: Path, dynamodb_local: DynamoDBLocal
) -> None:
    """Redis is killed and restarted while people on two instances talk: the
    messages sent meanwhile are stored, fan-out resumes without a restart of
    Chorus, and the gaps fill from the store: 0 lost, 0 doubled."""
    redis = RedisServer(tmp_path)
    redis.start()
    a, b = await start_instances(tmp_path, dynamodb_local, redis)
    try:
        created = await a.stub.CreateRoom(room_pb2.CreateRoomRequest(name="Outage"))
        room_id, invite = created.room.id, created.invite_token
        gw_a, gw_b = a.session(room_id), b.session(room_id)
        await gw_a.join("alice", invite, "Alice", after_seq=0)
        await gw_b.join("bea", invite, "Bea", after_seq=0)
        for i in range(3):
            await gw_a.send("alice", f"before {i}", client_msg_id=f"b{i}")
        await gw_b.events_until("bea", lambda e: e.message.text == "before 2")
        redis.stop()
        for i in range(3):
            await gw_a.send("alice", f"during {i}", client_msg_id=f"d{i}")
        await gw_a.next_for("alice", lambda r: r.frame.ack.client_msg_id == "d2")
        redis.start()
        await gw_b.events_until("bea", lambda e: e.message.text == "during 2", within=20)
        await gw_a.send("alice", "after", client_msg_id="a")
        await gw_b.events_until("bea", lambda e: e.message.text == "after", within=20)
        texts = [
            r.frame.event.message.text
            for r in gw_b.received
            if r.frame.HasField("event") and r.frame.event.HasField("message")
        ]
        expected = {f"before {i}" for i in range(3)} | {f"during {i}" for i in range(3)} | {"after"}
        lost = len(expected - set(texts))
        doubled = len(texts) - len(set(texts))
        assert (lost, doubled) == (0, 0), texts
        await gw_a.aclose()
        await gw_b.aclose()
    finally:
        for instance in (a, b):
            await instance.stop()
        redis.stop()


def room_process(
    dynamodb: DynamoDBLocal, redis: RedisServer, table: str
) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m chorus_room`` on the scale-out adapters, as deployed."""
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
async def test_kill_9_of_a_room_instance_mid_conversation_loses_nothing(
    dynamodb_local: DynamoDBLocal, redis_server: RedisServer
) -> None:
    """A room-service process is killed (SIGKILL) while Alice sends through
    it; she reconnects through the other instance, resumes by seq and resends
    what was not acknowledged with the same ids: 0 lost, 0 doubled."""
    table = f"chorus-{uuid.uuid4().hex[:12]}"
    procs = [room_process(dynamodb_local, redis_server, table) for _ in range(2)]
    channels = [grpc.aio.insecure_channel(f"127.0.0.1:{port}") for _, port in procs]
    try:
        a, b = (room_pb2_grpc.RoomServiceStub(c) for c in channels)
        created = await a.CreateRoom(room_pb2.CreateRoomRequest(name="Crash"))
        room_id, invite = created.room.id, created.invite_token
        gw_a, gw_b = SessionClient(a, room_id), SessionClient(b, room_id)
        welcome = await gw_a.join("alice", invite, "Alice", after_seq=0)
        await gw_b.join("bea", invite, "Bea", after_seq=0)
        acked: set[str] = set()
        last_seq = 0
        ten_acked = asyncio.Event()

        async def send_all() -> None:
            nonlocal last_seq
            for i in range(40):
                await gw_a.send("alice", f"alice {i}", client_msg_id=f"a-{i}")
                response = await gw_a.next_for("alice", lambda r: r.frame.HasField("ack"))
                acked.add(response.frame.ack.client_msg_id)
                last_seq = max(last_seq, response.frame.ack.seq)
                if len(acked) >= 10:
                    ten_acked.set()

        sending = asyncio.create_task(send_all())
        async with asyncio.timeout(30):
            await ten_acked.wait()
        procs[0][0].send_signal(signal.SIGKILL)  # mid-conversation
        with pytest.raises((grpc.aio.AioRpcError, AssertionError, TimeoutError)):
            await sending
        again = SessionClient(b, room_id)
        await again.join("alice2", invite, "", after_seq=last_seq, token=welcome.participant_token)
        for i in range(40):
            if f"a-{i}" not in acked:  # resend what was not acknowledged
                await again.send("alice2", f"alice {i}", client_msg_id=f"a-{i}")
                await again.next_for("alice2", lambda r, i=i: r.frame.ack.client_msg_id == f"a-{i}")
        await gw_b.events_until("bea", lambda e: e.message.text == "alice 39", within=20)
        texts = [
            r.frame.event.message.text
            for r in gw_b.received
            if r.frame.HasField("event") and r.frame.event.HasField("message")
        ]
        lost = len({f"alice {i}" for i in range(40)} - set(texts))
        doubled = len(texts) - len(set(texts))
        assert (lost, doubled) == (0, 0), texts
        seqs = [
            r.frame.event.seq
            for r in gw_b.received
            if r.frame.HasField("event") and r.frame.event.seq
        ]
        assert seqs == sorted(set(seqs))
        await gw_b.aclose()
        await again.aclose()
    finally:
        for channel in channels:
            await channel.close(grace=None)
        for process, _ in procs:
            if process.poll() is None:
                process.terminate()
            process.wait(15)
