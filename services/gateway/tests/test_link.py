"""Fan-out through one RoomSession stream per room: order, resume, slow
consumers, and the room service going away."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from .conftest import Frame, GatewayFactory, GatewayHarness, WsMember, start_room


def _messages(frames: list[Frame]) -> list[str]:
    return [f["event"]["message"]["text"] for f in frames if "message" in f.get("event", {})]


async def _collect_messages(member: WsMember, count: int) -> list[Frame]:
    got: list[Frame] = []
    while len(got) < count:
        frame = await member.recv()
        if "message" in frame.get("event", {}):
            got.append(frame)
    return got


@pytest.mark.asyncio
@pytest.mark.parametrize("ws_impl", ["fanout", "websockets-sansio"])
async def test_members_see_the_same_messages_in_the_same_order(
    gateway_factory: GatewayFactory, ws_impl: str
) -> None:
    gateway = await gateway_factory(ws_impl=ws_impl)
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    members = [await gateway.connect(room_id) for _ in range(4)]
    for i, member in enumerate(members):
        await member.join(invite, f"P{i}")

    async def chatter(member: WsMember, who: int) -> None:
        for n in range(10):
            await member.send({"send": {"clientMsgId": f"{who}-{n}", "text": f"{who}:{n}"}})

    receivers = [asyncio.create_task(_collect_messages(m, 40)) for m in members]
    await asyncio.gather(*(chatter(m, i) for i, m in enumerate(members)))
    seen = await asyncio.gather(*receivers)
    orders = [[(f["event"]["seq"], f["event"]["message"]["text"]) for f in s] for s in seen]
    assert all(order == orders[0] for order in orders)
    seqs = [int(seq) for seq, _ in orders[0]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 40
    assert await gateway.metric("chorus_gateway_room_links") == 1


@pytest.mark.asyncio
async def test_resume_after_seq_gets_exactly_the_missed_events(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    bob = await gateway.connect(room_id)
    bob_welcome, _ = await bob.join(invite, "Bob")
    last = await ann.send_message("before", "b-0")
    await bob.recv_until(lambda f: f.get("event", {}).get("seq") == last["seq"])
    await bob.aclose()

    missed = [await ann.send_message(f"missed {i}", f"m-{i}") for i in range(3)]
    bob_again = await gateway.connect(room_id)
    welcome, backlog = await bob_again.join(
        invite, "Bob", after_seq=int(last["seq"]), token=bob_welcome["participantToken"]
    )
    assert welcome["replayAfterSeq"] == last["seq"]
    seqs = [f["event"]["seq"] for f in backlog]
    assert seqs == sorted(set(seqs), key=int)
    assert all(int(s) > int(last["seq"]) for s in seqs)
    assert _messages(backlog) == ["missed 0", "missed 1", "missed 2"]
    assert [m["seq"] for m in missed] == [
        f["event"]["seq"] for f in backlog if "message" in f["event"]
    ]
    after = await ann.send_message("live again", "l-0")
    live, _ = await bob_again.recv_until(lambda f: f.get("event", {}).get("seq") == after["seq"])
    assert live["event"]["message"]["text"] == "live again"


@pytest.mark.asyncio
async def test_link_closes_with_its_last_member_and_reopens(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    assert await gateway.metric("chorus_gateway_room_links") == 1
    await ann.aclose()
    for _ in range(100):
        if await gateway.metric("chorus_gateway_room_links") == 0:
            break
        await asyncio.sleep(0.02)
    assert await gateway.metric("chorus_gateway_room_links") == 0
    bob = await gateway.connect(room_id)
    welcome, _ = await bob.join(invite, "Bob")
    assert welcome["you"]["name"] == "Bob"
    assert await gateway.metric("chorus_gateway_room_links_opened_total") == 2


async def _slow_member(gateway: GatewayHarness, room_id: str) -> WsMember:
    """A client whose socket buffers are tiny and which stops reading."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", gateway.port))
    ws = await connect(gateway.ws_url(room_id), sock=sock, compression=None, max_queue=1)
    member = WsMember(ws)
    gateway._members.append(member)
    return member


@pytest.mark.asyncio
@pytest.mark.parametrize("ws_impl", ["fanout", "websockets-sansio"])
async def test_slow_consumer_is_cut_off_and_others_keep_receiving(
    gateway_factory: GatewayFactory, ws_impl: str
) -> None:
    # Small enough that the stalled member overflows it at once, large enough
    # that a busy machine does not make the reading member overflow it too.
    gateway = await gateway_factory(outbound_queue_frames=32, ws_impl=ws_impl)
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    sender = await gateway.connect(room_id)
    await sender.join(invite, "Sender")
    reader = await gateway.connect(room_id)
    await reader.join(invite, "Reader")
    slow = await _slow_member(gateway, room_id)
    await slow.join(invite, "Slow")

    count, text = 200, "x" * 3000
    receiving = asyncio.create_task(_collect_messages(reader, count))
    draining = asyncio.create_task(_collect_messages(sender, count))
    for n in range(count):
        await sender.send({"send": {"clientMsgId": f"s-{n}", "text": f"{n} {text}"}})
    got = await asyncio.wait_for(receiving, 20)
    await asyncio.wait_for(draining, 20)
    assert [int(f["event"]["message"]["text"].split()[0]) for f in got] == list(range(count))

    code, reason = await slow.closed(wait_s=10)
    assert code == 4008
    assert reason == "slow consumer: reconnect and resume"
    assert await gateway.metric("chorus_gateway_slow_consumers_total") == 1


@pytest.mark.asyncio
async def test_room_service_going_away_closes_members_with_1012(
    gateway_factory: GatewayFactory, tmp_path: Path
) -> None:
    own = await start_room(tmp_path / "own-room")
    try:
        gateway = await gateway_factory(room_target=own.target)
        created = await gateway.create_room()
        room_id, invite = created["room"]["id"], created["inviteToken"]
        ann = await gateway.connect(room_id)
        ann_welcome, _ = await ann.join(invite, "Ann")
        last = await ann.send_message("before the restart", "b-0")
        bob = await gateway.connect(room_id)
        await bob.join(invite, "Bob")
    finally:
        await own.server.stop(grace=0)

    for member in (ann, bob):
        frame, _ = await member.recv_until(lambda f: "error" in f)
        assert frame["error"]["code"] == "ERROR_CODE_UNAVAILABLE"
        assert frame["error"]["retryable"] is True
        assert frame["error"]["fatal"] is True
        code, _ = await member.closed()
        assert code == 1012
    assert await gateway.metric("chorus_gateway_room_link_failures_total") == 1

    # The room service comes back on the same port: reconnect and resume.
    back = await start_room(tmp_path / "own-room", port=own.port)
    try:
        again = await gateway.connect(room_id)
        welcome, backlog = await again.join(
            invite, "Ann", after_seq=int(last["seq"]), token=ann_welcome["participantToken"]
        )
        assert welcome["you"]["id"] == ann_welcome["you"]["id"]
        assert all(int(f["event"]["seq"]) > int(last["seq"]) for f in backlog)
        ack = await again.send_message("after the restart", "a-0")
        assert int(ack["seq"]) > int(last["seq"])
        await again.aclose()
    finally:
        await back.server.stop(grace=0)


@pytest.mark.asyncio
async def test_rooms_are_isolated(gateway: GatewayHarness) -> None:
    one = await gateway.create_room("one")
    two = await gateway.create_room("two")
    a = await gateway.connect(one["room"]["id"])
    await a.join(one["inviteToken"], "A")
    b = await gateway.connect(two["room"]["id"])
    await b.join(two["inviteToken"], "B")
    await a.send_message("for room one", "x")
    await b.send_message("for room two", "y")
    frame, _ = await b.recv_until(lambda f: "message" in f.get("event", {}))
    assert frame["event"]["message"]["text"] == "for room two"
    assert await gateway.metric("chorus_gateway_room_links") == 2


@pytest.mark.asyncio
async def test_a_stalled_reader_is_cut_in_seconds_however_long_its_queue(
    gateway_factory: GatewayFactory,
) -> None:
    gateway = await gateway_factory(outbound_queue_frames=100_000, slow_consumer_s=1.0)
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    sender = await gateway.connect(room_id)
    await sender.join(invite, "Sender")
    slow = await _slow_member(gateway, room_id)
    await slow.join(invite, "Slow")
    draining = asyncio.create_task(_collect_messages(sender, 400))
    started = time.monotonic()
    text = "x" * 3000
    for n in range(400):
        await sender.send({"send": {"clientMsgId": f"s-{n}", "text": f"{n} {text}"}})
        if n % 50 == 49:
            await asyncio.sleep(0.5)  # a steady stream, not one burst
    await asyncio.wait_for(draining, 30)
    assert await gateway.metric("chorus_gateway_slow_consumers_total") == 1
    assert time.monotonic() - started < 10
