"""Observability through the real processes: each service's /metrics moves
after a real message and reply, one turn can be followed by its ids across
the gateway's, the room's and the chat service's JSON logs, and no secret
(tokens, the remote model's API key) reaches any log line."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from ..stack import REMOTE_KEY, Stack
from ..ws_client import Member, create_room

ADA = {
    "name": "Ada",
    "title": "Mathematician",
    "systemPrompt": "You are Ada. Answer briefly.",
    "model": "smollm2-135m",
}
REMY = {"name": "Remy", "title": "Remote", "model": "remote-down"}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$", re.MULTILINE)


async def scrape(url: str) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {name: float(value) for name, value in SAMPLE.findall(response.text)}


def records(stack: Stack, service: str) -> list[dict[str, Any]]:
    lines = stack.log(service).splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def ended(event: dict[str, Any]) -> bool:
    return "replyEnded" in event


def moved(before: dict[str, float], after: dict[str, float], name: str) -> float:
    return after.get(name, 0.0) - before.get(name, 0.0)


@pytest.mark.asyncio
async def test_metrics_move_and_one_turn_is_followed_across_the_services(stack: Stack) -> None:
    room_before = await scrape(stack.metrics_url("room"))
    chat_before = await scrape(stack.metrics_url("chat"))
    created = await create_room(stack.http, ADA)
    room_id, invite = created["room"]["id"], created["inviteToken"]
    alice = Member(stack.ws, room_id)
    await alice.join(invite, "Alice")
    await alice.say("@Ada what is two plus two?", ref="turn1")
    reply_id = (await alice.events_until(ended))[-1]["replyEnded"]["replyId"]

    room_after = await scrape(stack.metrics_url("room"))
    chat_after = await scrape(stack.metrics_url("chat"))
    gateway = await scrape(stack.metrics_url("gateway"))
    await alice.close()

    assert moved(room_before, room_after, 'chorus_room_messages_total{author="human"}') == 1
    assert moved(room_before, room_after, "chorus_room_sessions_opened_total") >= 1
    assert room_after["chorus_room_sessions"] >= 1 and room_after["chorus_room_rooms"] >= 1
    assert moved(room_before, room_after, "chorus_room_reply_duration_seconds_count") == 1
    model = 'model="smollm2-135m"'
    # One completion, or two when the room retried a reply that wrote as
    # someone else; the room may stop one early (then no Usage is counted).
    calls = moved(chat_before, chat_after, f"chorus_chat_model_queue_wait_seconds_count{{{model}}}")
    assert calls in (1, 2)
    first_tokens = f"chorus_chat_time_to_first_token_seconds_count{{{model}}}"
    assert 1 <= moved(chat_before, chat_after, first_tokens) <= calls
    assert moved(chat_before, chat_after, f"chorus_chat_completion_tokens_total{{{model}}}") >= 1
    finished = sum(
        moved(chat_before, chat_after, f'chorus_chat_completions_total{{{model},outcome="{o}"}}')
        for o in ("stop", "length")
    )
    evaluated = f'chorus_chat_prompt_tokens_total{{{model},source="evaluated"}}'
    cached = f'chorus_chat_prompt_tokens_total{{{model},source="cached"}}'
    prompt_tokens = moved(chat_before, chat_after, evaluated) + moved(
        chat_before, chat_after, cached
    )
    assert prompt_tokens > 0 or finished == 0
    assert gateway["chorus_gateway_connections"] >= 1
    assert (
        gateway['chorus_gateway_http_requests_total{method="POST",route="/api/rooms",status="201"}']
        >= 1
    )

    # The turn, by its ids: the room's reply and the chat service's completion
    # carry the same request id (the frame's), and the same reply id.
    room_lines = [r for r in records(stack, "room") if r.get("reply_id") == reply_id]
    assert room_lines
    request_id = room_lines[0]["request_id"]
    assert re.fullmatch(r"gw-[0-9a-f]+/c\d+/turn1", request_id), request_id
    for line in room_lines:
        assert line["request_id"] == request_id and line["room_id"] == room_id
        assert line["participant_id"] == alice.welcome["you"]["id"]
    chat_lines = [r for r in records(stack, "chat") if r.get("reply_id") == reply_id]
    assert chat_lines
    for line in chat_lines:
        assert line["request_id"] == request_id and line["model"] == "smollm2-135m"
    gateway_id = request_id.split("/")[0]
    assert any(r.get("gateway_id") == gateway_id for r in records(stack, "gateway"))


@pytest.mark.asyncio
async def test_no_secret_reaches_any_log_line(stack: Stack) -> None:
    created = await create_room(stack.http, ADA, REMY)
    room_id, invite, owner = (
        created["room"]["id"],
        created["inviteToken"],
        created["ownerToken"],
    )
    async with httpx.AsyncClient(base_url=stack.http, timeout=30) as client:
        as_owner = {"Authorization": f"Bearer {owner}", "X-Request-ID": "q-secret-test"}
        assert (await client.get(f"/api/rooms/{room_id}", headers=as_owner)).is_success
        history = await client.get(
            f"/api/rooms/{room_id}/history?invite={invite}", headers={"X-Chorus-Invite": invite}
        )
        assert history.is_success
    alice = Member(stack.ws, room_id)
    welcome = await alice.join(invite, "Alice")
    await alice.say("@Remy are you there?")  # the remote model, with its API key, is down
    assert (await alice.events_until(ended, within=30))[-1]["replyEnded"]["outcome"] == (
        "REPLY_OUTCOME_FAILED"
    )
    await alice.close()
    again = Member(stack.ws, room_id)
    await again.join(invite, "Alice", token=welcome["participantToken"])
    await again.close()

    secrets = [invite, owner, welcome["participantToken"], REMOTE_KEY]
    for service in ("gateway", "room", "chat"):
        log = stack.log(service)
        for secret in secrets:
            assert secret[:12] not in log, f"a secret is in the {service} log"
    assert any(r.get("request_id") == "q-secret-test" for r in records(stack, "gateway"))
