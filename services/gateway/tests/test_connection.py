"""A member's WebSocket: join, sends and acks, and a typed error for every
kind of bad input, after which the connection keeps working."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import Frame, GatewayFactory, GatewayHarness, WsMember


async def _room(gateway: GatewayHarness) -> tuple[str, str]:
    created = await gateway.create_room()
    return created["room"]["id"], created["inviteToken"]


async def _error(member: WsMember) -> Frame:
    frame, _ = await member.recv_until(lambda f: "error" in f)
    error: Frame = frame["error"]
    return error


async def _still_works(member: WsMember) -> None:
    await member.send({"ref": "p", "ping": {}})
    pong, _ = await member.recv_until(lambda f: "pong" in f or "error" in f)
    assert "pong" in pong, pong


@pytest.mark.asyncio
async def test_join_gets_welcome_then_backlog(gateway: GatewayHarness) -> None:
    room_id, invite = await _room(gateway)
    first = await gateway.connect(room_id)
    welcome, _ = await first.join(invite, "Ann")
    assert welcome["you"]["name"] == "Ann"
    assert welcome["participantToken"]
    for i in range(3):
        await first.send_message(f"hello {i}", f"m{i}")

    second = await gateway.connect(room_id)
    welcome, backlog = await second.join(invite, "Bob")
    assert welcome["room"]["id"] == room_id
    texts = [f["event"]["message"]["text"] for f in backlog if "message" in f["event"]]
    assert texts == ["hello 0", "hello 1", "hello 2"]
    seqs = [int(f["event"]["seq"]) for f in backlog]
    assert seqs == sorted(seqs)


@pytest.mark.asyncio
async def test_send_is_acked_and_broadcast(gateway: GatewayHarness) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    ack = await ann.send_message("hi all", "c-1", ref="r-1")
    assert ack["ref"] == "r-1"
    assert ack["clientMsgId"] == "c-1"
    assert ack["messageId"]
    assert int(ack["seq"]) > 0
    assert "duplicate" not in ack
    event, _ = await ann.recv_until(lambda f: "message" in f.get("event", {}))
    assert event["event"]["message"]["text"] == "hi all"
    assert event["event"]["seq"] == ack["seq"]


@pytest.mark.asyncio
async def test_resend_with_same_client_msg_id_is_stored_once(gateway: GatewayHarness) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    first = await ann.send_message("only once", "same-id")
    again = await ann.send_message("only once", "same-id")
    assert again["duplicate"] is True
    assert again["messageId"] == first["messageId"]
    assert again["seq"] == first["seq"]

    history = await gateway.http.get(
        f"/api/rooms/{room_id}/history", headers={"X-Chorus-Invite": invite}
    )
    messages = [e for e in history.json()["events"] if "message" in e]
    assert [m["message"]["text"] for m in messages] == ["only once"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("raw", "code", "ref"),
    [
        ("{not json", "ERROR_CODE_BAD_FRAME", ""),
        ("[1, 2]", "ERROR_CODE_BAD_FRAME", ""),
        ('"send"', "ERROR_CODE_BAD_FRAME", ""),
        ('{"ref": "a", "shout": {}}', "ERROR_CODE_UNKNOWN_FRAME", "a"),
        ('{"ref": "b"}', "ERROR_CODE_UNKNOWN_FRAME", "b"),
        ("{}", "ERROR_CODE_UNKNOWN_FRAME", ""),
        ('{"ref": "c", "send": {"text": 5}}', "ERROR_CODE_BAD_FRAME", "c"),
        ('{"ref": "d", "send": "hello"}', "ERROR_CODE_BAD_FRAME", "d"),
        ('{"ref": "e", "send": {"text": "x", "colour": "red"}}', "ERROR_CODE_BAD_FRAME", "e"),
        ('{"ref": "f", "ping": {}, "typing": {}}', "ERROR_CODE_BAD_FRAME", "f"),
        ('{"ref": 7, "ping": {}}', "ERROR_CODE_BAD_FRAME", ""),
        ('{"ref": "g", "join": {"inviteToken": "x"}}', "ERROR_CODE_ALREADY_JOINED", "g"),
        (b"\x00\x01binary", "ERROR_CODE_BAD_AUDIO", ""),  # no open spoken turn
    ],
)
async def test_bad_input_gets_typed_error_and_connection_keeps_working(
    gateway: GatewayHarness, raw: str | bytes, code: str, ref: str
) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    await ann.send(raw)
    error = await _error(ann)
    assert error["code"] == code
    assert error["message"]
    assert error.get("ref", "") == ref
    assert "fatal" not in error
    await _still_works(ann)
    await ann.send_message("still here", "after-error")


@pytest.mark.asyncio
async def test_too_large_frame_is_dropped_not_fatal(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory(max_frame_bytes=1024)
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    await ann.send({"ref": "big", "send": {"clientMsgId": "big", "text": "é" * 600}})
    error = await _error(ann)
    assert error["code"] == "ERROR_CODE_TOO_LARGE"
    assert error["ref"] == "big"
    await ann.send({"ref": "junk", "send": {"text": "x" * 5000}} | {"pad": "[" * 10})
    assert (await _error(ann))["code"] == "ERROR_CODE_TOO_LARGE"
    await _still_works(ann)
    ack = await ann.send_message("small enough", "small")
    assert int(ack["seq"]) > 0


@pytest.mark.asyncio
async def test_bad_frames_before_join_are_not_fatal(gateway: GatewayHarness) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.send("nope")
    assert (await _error(ann))["code"] == "ERROR_CODE_BAD_FRAME"
    welcome, _ = await ann.join(invite, "Ann")
    assert welcome["you"]["name"] == "Ann"


@pytest.mark.asyncio
async def test_frames_before_join_get_not_joined(gateway: GatewayHarness) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.send({"ref": "s", "send": {"text": "hi"}})
    error = await _error(ann)
    assert error["code"] == "ERROR_CODE_NOT_JOINED"
    assert error["ref"] == "s"
    assert "fatal" not in error
    await ann.send({"ref": "p", "ping": {}})
    assert (await _error(ann))["code"] == "ERROR_CODE_NOT_JOINED"
    welcome, _ = await ann.join(invite, "Ann")
    assert welcome["you"]["name"] == "Ann"
    await _still_works(ann)


@pytest.mark.asyncio
async def test_join_timeout_closes(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory(join_timeout_s=0.3)
    room_id, _ = await _room(gateway)
    ann = await gateway.connect(room_id)
    error = await _error(ann)
    assert error["code"] == "ERROR_CODE_NOT_JOINED"
    assert error["fatal"] is True
    code, _ = await ann.closed()
    assert code == 1008


@pytest.mark.asyncio
async def test_bad_invite_closes_with_4403(gateway: GatewayHarness) -> None:
    room_id, _ = await _room(gateway)
    ann = await gateway.connect(room_id)
    await ann.send({"ref": "j", "join": {"inviteToken": "wrong", "displayName": "Ann"}})
    error = await _error(ann)
    assert error["code"] == "ERROR_CODE_BAD_INVITE"
    assert error["ref"] == "j"
    assert error["fatal"] is True
    code, _ = await ann.closed()
    assert code == 4403


@pytest.mark.asyncio
async def test_unknown_room_closes_with_4404(gateway: GatewayHarness) -> None:
    ann = await gateway.connect("no-such-room")
    await ann.send({"join": {"inviteToken": "x", "displayName": "Ann"}})
    error = await _error(ann)
    assert error["code"] == "ERROR_CODE_UNKNOWN_ROOM"
    code, _ = await ann.closed()
    assert code == 4404
    # Other rooms are unaffected.
    room_id, invite = await _room(gateway)
    bob = await gateway.connect(room_id)
    await bob.join(invite, "Bob")


@pytest.mark.asyncio
async def test_rejoin_with_participant_token_is_same_participant(
    gateway: GatewayHarness,
) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    welcome, _ = await ann.join(invite, "Ann")
    await ann.aclose()
    again = await gateway.connect(room_id)
    rejoined, _ = await again.join(invite, "Ann", token=welcome["participantToken"])
    assert rejoined["you"]["id"] == welcome["you"]["id"]


@pytest.mark.asyncio
async def test_disconnect_is_reported_to_the_room(gateway: GatewayHarness) -> None:
    room_id, invite = await _room(gateway)
    ann = await gateway.connect(room_id)
    ann_welcome, _ = await ann.join(invite, "Ann")
    bob = await gateway.connect(room_id)
    await bob.join(invite, "Bob")
    await ann.aclose()
    presence, _ = await bob.recv_until(
        lambda f: (
            f.get("event", {}).get("presence", {}).get("online") is not True
            and "presence" in f.get("event", {})
        )
    )
    assert presence["event"]["presence"]["participantId"] == ann_welcome["you"]["id"]
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_malformed_room_id_is_unknown_room(gateway: GatewayHarness) -> None:
    ann = await gateway.connect("not%20a%20room%3F")
    error = await _error(ann)
    assert error["code"] == "ERROR_CODE_UNKNOWN_ROOM"
    assert error["fatal"] is True
    assert await ann.closed() == (4404, "unknown room")
    assert await gateway.metric("chorus_gateway_room_links_opened_total") == 0


@pytest.mark.asyncio
async def test_a_flood_is_refused_at_the_edge_and_others_keep_talking(
    gateway_factory: GatewayFactory,
) -> None:
    gateway = await gateway_factory(member_messages_per_s=2, member_messages_burst=5)
    room_id, invite = await _room(gateway)
    flooder = await gateway.connect(room_id)
    await flooder.join(invite, "Flood")
    other = await gateway.connect(room_id)
    await other.join(invite, "Calm")
    for n in range(12):
        await flooder.send({"ref": f"f{n}", "send": {"clientMsgId": f"f{n}", "text": f"spam {n}"}})
    acks: list[Frame] = []
    refused: list[Frame] = []
    async with asyncio.timeout(10):
        while len(acks) + len(refused) < 12:
            frame = await flooder.recv()
            if "ack" in frame:
                acks.append(frame["ack"])
            elif "error" in frame:
                refused.append(frame["error"])
    assert len(acks) == 5  # the burst
    assert all(e["code"] == "ERROR_CODE_RATE_LIMITED" and e["retryable"] for e in refused)
    assert all(int(e["retryAfterMs"]) > 0 for e in refused)
    # Refused messages were never stored; the other member is not slowed.
    calm = await other.send_message("still fine", "calm-1")
    assert int(calm["seq"]) == int(acks[-1]["seq"]) + 1
    await asyncio.sleep(0.6)  # a token comes back
    await flooder.send_message("after a pause", "f-late")
