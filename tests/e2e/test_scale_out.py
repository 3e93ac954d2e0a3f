"""End to end across two of everything: two room-service instances on one
DynamoDB table (DynamoDB Local) and one Redis, each behind its own gateway,
one chat service running llama.cpp. People on different gateways talk with a
persona and end with the same history and the same streamed reply."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from services.room.tests.servers import DynamoDBLocal, RedisServer

from ..stack import MODELS_DIR, TEST_MODEL_FILE, Stack, free_port, wait_for_port
from ..ws_client import Member, create_room, kind

ADA = {
    "name": "Ada",
    "title": "Mathematician",
    "systemPrompt": "You are Ada. Answer briefly.",
    "model": "smollm2-135m",
}


@dataclass
class TwoStacks:
    a: Stack
    #: Gateway B's HTTP and WebSocket bases (room B behind it).
    http_b: str
    ws_b: str


@pytest.fixture(scope="module")
def two_stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoStacks]:
    if not (MODELS_DIR / TEST_MODEL_FILE).exists():
        raise RuntimeError(f"{TEST_MODEL_FILE} is missing: run scripts/test.sh (it fetches it)")
    workdir = Path(tmp_path_factory.mktemp("scale"))
    dynamodb, redis = DynamoDBLocal(), RedisServer(workdir)
    dynamodb.start()
    redis.start()
    scale_env = {
        "CHORUS_ROOM_STORE": "dynamodb",
        "CHORUS_ROOM_BUS": "redis",
        "CHORUS_ROOM_REDIS_URL": redis.url,
        "CHORUS_ROOM_DYNAMODB_TABLE": "chorus-e2e",
        "CHORUS_ROOM_DYNAMODB_ENDPOINT": dynamodb.endpoint,
        "CHORUS_ROOM_DYNAMODB_ACCESS_KEY_ID": "local",
        "CHORUS_ROOM_DYNAMODB_SECRET_ACCESS_KEY": "local",
        "CHORUS_ROOM_DYNAMODB_CREATE_TABLE": "true",
    }
    a = Stack(workdir, extra_env=scale_env)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        a.start()
        room_port, gateway_port = free_port(), free_port()
        env = {
            **a.env(),
            "CHORUS_ROOM_PORT": str(room_port),
            "CHORUS_ROOM_METRICS_PORT": str(free_port()),
            "CHORUS_GATEWAY_PORT": str(gateway_port),
            "CHORUS_GATEWAY_ROOM_TARGET": f"127.0.0.1:{room_port}",
        }
        for name, port in (("room", room_port), ("gateway", gateway_port)):
            with (workdir / f"{name}-b.log").open("wb") as log:
                procs[name] = subprocess.Popen(
                    [sys.executable, "-m", f"chorus_{name}"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            wait_for_port(port, procs[name])
        yield TwoStacks(a, f"http://127.0.0.1:{gateway_port}", f"ws://127.0.0.1:{gateway_port}")
    finally:
        codes = {}
        for name in ("gateway", "room"):
            proc = procs.get(name)
            if proc is not None:
                proc.terminate()
                codes[f"{name}-b"] = proc.wait(timeout=15)
        codes |= a.stop()
        dynamodb.stop()
        redis.stop()
    assert set(codes.values()) == {0}, codes


def ended(event: dict[str, object]) -> bool:
    return "replyEnded" in event


@pytest.mark.llama
@pytest.mark.asyncio
async def test_people_on_two_gateways_share_one_room_and_one_reply(two_stacks: TwoStacks) -> None:
    a = two_stacks.a
    created = await create_room(a.http, ADA)
    room_id, invite = created["room"]["id"], created["inviteToken"]
    alice, bob = Member(a.ws, room_id), Member(two_stacks.ws_b, room_id)
    await alice.join(invite, "Alice", after_seq=0)
    await bob.join(invite, "Bob", after_seq=0)
    await alice.say("Hello from gateway A", client_msg_id="a1")
    await bob.events_until(
        lambda e: "message" in e and e["message"]["text"] == "Hello from gateway A"
    )

    await bob.say("@ada what is two plus two?", client_msg_id="b1")
    alice_events = await alice.events_until(ended, within=120)
    bob_events = await bob.events_until(ended, within=120)

    def reply_view(events: list[dict[str, object]]) -> list[tuple[str, object]]:
        return [
            (kind(e), e.get("seq"))
            for e in events
            if kind(e) in ("message", "replyStarted", "replyDelta", "replyEnded")
        ]

    # Room B ran the reply; Alice, on gateway A and room A, saw the same stream.
    assert reply_view(alice_events)[-len(reply_view(bob_events)) :] == reply_view(bob_events)
    final = [
        e["message"] for e in bob_events if "message" in e and e["message"]["authorName"] == "Ada"
    ]  # type: ignore[index]
    assert len(final) == 1

    histories = []
    for http in (a.http, two_stacks.http_b):
        async with httpx.AsyncClient(base_url=http) as client:
            response = await client.get(
                f"/api/rooms/{room_id}/history", headers={"X-Chorus-Invite": invite}
            )
            histories.append(
                [(e["seq"], e.get("message", {}).get("text")) for e in response.json()["events"]]
            )
    assert histories[0] == histories[1]
    texts = [t for _, t in histories[0] if t]
    assert texts == ["Hello from gateway A", "@ada what is two plus two?", final[0]["text"]]
    assert alice.last_seq == bob.last_seq == int(histories[0][-1][0])
    await alice.close()
    await bob.close()
