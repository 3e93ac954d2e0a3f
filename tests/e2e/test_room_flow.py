"""End to end through every real service: browser protocol over WebSocket,
gateway, room service over gRPC, chat service running llama.cpp."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from ..stack import Stack
from ..ws_client import Member, create_room, kind

ADA = {
    "name": "Ada",
    "title": "Mathematician",
    "systemPrompt": "You are Ada. Answer briefly.",
    "model": "smollm2-135m",
}


def ended(event: dict[str, object]) -> bool:
    return "replyEnded" in event


@pytest.mark.asyncio
async def test_two_people_see_the_same_history_and_the_same_streamed_reply(stack: Stack) -> None:
    created = await create_room(stack.http, ADA, description="A room for testing Chorus.")
    room_id, invite = created["room"]["id"], created["inviteToken"]
    alice, bob = Member(stack.ws, room_id), Member(stack.ws, room_id)
    await alice.join(invite, "Alice", after_seq=0)
    await alice.say("Hello everyone")
    await alice.next(lambda f: "ack" in f)
    await bob.join(invite, "Bob", after_seq=0)

    bob_backlog = await bob.events_until(
        lambda e: "message" in e and e["message"]["text"] == "Hello everyone"
    )
    assert [kind(e) for e in bob_backlog] == ["participantJoined", "participantJoined", "message"]

    await bob.say("@ada what is two plus two?")
    alice_events = await alice.events_until(ended)
    bob_events = await bob.events_until(ended)

    def reply_view(events: list[dict[str, object]]) -> list[tuple[str, object]]:
        return [
            (kind(e), e.get("seq"))
            for e in events
            if kind(e) in ("message", "replyStarted", "replyDelta", "replyEnded")
        ]

    # The same stream, in the same order, for both (Alice also saw Bob join and the presence events).
    assert reply_view(alice_events)[-len(reply_view(bob_events)) :] == reply_view(bob_events)
    deltas = "".join(e["replyDelta"]["text"] for e in bob_events if "replyDelta" in e)  # type: ignore[index]
    final = [
        e["message"] for e in bob_events if "message" in e and e["message"]["authorName"] == "Ada"
    ]  # type: ignore[index]
    assert len(final) == 1 and deltas.strip() and final[0]["text"] == deltas.strip()
    assert final[0]["authorKind"] == "PARTICIPANT_KIND_PERSONA"
    end = bob_events[-1]["replyEnded"]
    assert end["outcome"] == "REPLY_OUTCOME_COMPLETED" and end["replyId"] == final[0]["id"]  # type: ignore[index]

    async with httpx.AsyncClient(base_url=stack.http) as client:
        history = (
            await client.get(f"/api/rooms/{room_id}/history", headers={"X-Chorus-Invite": invite})
        ).json()
    stored = [e["message"]["text"] for e in history["events"] if "message" in e]
    assert stored == ["Hello everyone", "@ada what is two plus two?", final[0]["text"]]
    assert alice.last_seq == bob.last_seq == int(history["events"][-1]["seq"])
    await alice.close()
    await bob.close()


@pytest.mark.asyncio
async def test_any_member_can_stop_a_reply_and_the_model_is_freed(stack: Stack) -> None:
    long_ada = {**ADA, "generation": {"maxTokens": 400, "temperature": 0.8}}
    created = await create_room(stack.http, long_ada)
    room_id, invite = created["room"]["id"], created["inviteToken"]
    alice, bob = Member(stack.ws, room_id), Member(stack.ws, room_id)
    await alice.join(invite, "Alice")
    await bob.join(invite, "Bob")
    await alice.say("@Ada tell me a very long story about the history of mathematics")
    started = await bob.events_until(lambda e: "replyDelta" in e)
    reply_id = next(e["replyStarted"]["replyId"] for e in started if "replyStarted" in e)
    stop_sent = time.monotonic()
    await bob.send_frame({"interrupt": {"replyId": reply_id}})
    events = await alice.events_until(ended, within=10)
    stopped_after = time.monotonic() - stop_sent
    end = events[-1]["replyEnded"]
    assert end["outcome"] == "REPLY_OUTCOME_INTERRUPTED"
    partial = [e["message"] for e in events if "message" in e]
    if partial:  # what was said before the stop is kept, marked as interrupted
        assert partial[-1]["status"] == "MESSAGE_STATUS_INTERRUPTED"
    assert stopped_after < 5
    # The model is free at once: the next question is answered.
    await alice.say("@Ada are you there?")
    again = await alice.events_until(ended, within=60)
    assert again[-1]["replyEnded"]["outcome"] in (
        "REPLY_OUTCOME_COMPLETED",
        "REPLY_OUTCOME_DECLINED",
    )
    await alice.close()
    await bob.close()


@pytest.mark.asyncio
async def test_reconnect_resumes_without_loss_or_duplicate(stack: Stack) -> None:
    created = await create_room(stack.http)
    room_id, invite = created["room"]["id"], created["inviteToken"]
    alice, bob = Member(stack.ws, room_id), Member(stack.ws, room_id)
    welcome = await alice.join(invite, "Alice", after_seq=0)
    await bob.join(invite, "Bob")
    await alice.say("before the drop")
    await alice.events_until(lambda e: "message" in e)
    seen = alice.last_seq
    await alice.close()  # Alice's connection drops

    for i in range(5):
        await bob.say(f"while away {i}")
        await bob.next(lambda f: "ack" in f)

    back = Member(stack.ws, room_id)
    back.last_seq = seen
    rejoined = await back.join(invite, "Alice", token=welcome["participantToken"], after_seq=seen)
    assert rejoined["you"]["id"] == welcome["you"]["id"]
    missed = await back.events_until(
        lambda e: "message" in e and e["message"]["text"] == "while away 4"
    )
    assert [e["message"]["text"] for e in missed if "message" in e] == [
        f"while away {i}" for i in range(5)
    ]
    durable = [int(e["seq"]) for e in missed if e.get("seq")]
    assert durable == list(range(seen + 1, seen + 1 + len(durable)))

    # A send retried after the reconnect (same client id) is stored once.
    await back.say("retry me", client_msg_id="fixed-id-1")
    first = await back.next(lambda f: "ack" in f)
    await back.say("retry me", client_msg_id="fixed-id-1")
    second = await back.next(lambda f: "ack" in f)
    assert first["ack"]["seq"] == second["ack"]["seq"] and second["ack"].get("duplicate") is True
    async with httpx.AsyncClient(base_url=stack.http) as client:
        history = (
            await client.get(f"/api/rooms/{room_id}/history", headers={"X-Chorus-Invite": invite})
        ).json()
    assert [e["message"]["text"] for e in history["events"] if "message" in e].count(
        "retry me"
    ) == 1
    await back.close()
    await bob.close()


@pytest.mark.asyncio
async def test_a_failing_model_is_a_typed_error_and_the_room_keeps_working(stack: Stack) -> None:
    broken = {"name": "Remy", "title": "Remote", "model": "remote-down"}
    created = await create_room(stack.http, broken, ADA)
    room_id, invite = created["room"]["id"], created["inviteToken"]
    alice = Member(stack.ws, room_id)
    await alice.join(invite, "Alice")
    await alice.say("@Remy hello?")
    events = await alice.events_until(ended, within=30)
    end = events[-1]["replyEnded"]
    assert end["outcome"] == "REPLY_OUTCOME_FAILED"
    assert end["error"]["code"] == "ERROR_CODE_MODEL_FAILED" and end["error"]["message"]
    await alice.say("@nobody-here hi")
    notice = await alice.next(lambda f: "error" in f)
    assert notice["error"]["code"] == "ERROR_CODE_UNKNOWN_MENTION"
    await alice.send_frame({"bogus": {}})
    assert (await alice.next(lambda f: "error" in f))["error"]["code"] == "ERROR_CODE_UNKNOWN_FRAME"
    await alice.say("@Ada still with us?")
    assert (await alice.events_until(ended))[-1]["replyEnded"]["outcome"] != "REPLY_OUTCOME_FAILED"
    await alice.close()


@pytest.mark.asyncio
async def test_a_bad_invite_is_refused(stack: Stack) -> None:
    created = await create_room(stack.http)
    intruder = Member(stack.ws, created["room"]["id"])
    await intruder.connect()
    await intruder.send_frame({"join": {"inviteToken": "guess", "displayName": "Eve"}})
    error = await intruder.next(lambda f: "error" in f)
    assert error["error"]["code"] == "ERROR_CODE_BAD_INVITE" and error["error"]["fatal"]
    await asyncio.sleep(0)
    await intruder.close()
