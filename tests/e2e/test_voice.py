"""Voice rooms through the real services and models: speech made at test time
with the voice service (Piper), streamed in real time over the gateway's
WebSocket, transcribed (faster-whisper), answered by a persona (llama.cpp)
and spoken back (Piper) to every member."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ..stack import Stack
from ..voice_client import RATE, speech, talk
from ..ws_client import Member, create_room

ADA = {
    "name": "Ada",
    "title": "Mathematician",
    "systemPrompt": "You are Ada. Answer in one short sentence.",
    "model": "smollm2-135m",
}
REX = {
    "name": "Rex",
    "title": "Critic",
    "systemPrompt": "You are Rex. Answer in one short sentence.",
    "model": "smollm2-135m",
}


def answer_to(member: Member, ref: str) -> Any:
    return member.next(
        lambda f: f.get("ack", {}).get("ref") == ref or f.get("error", {}).get("ref") == ref
    )


def audio_of(member: Member, reply_id: str) -> list[dict[str, Any]]:
    return [
        f["event"]["replyAudio"]
        for f in member.frames
        if f.get("event", {}).get("replyAudio", {}).get("replyId") == reply_id
    ]


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


async def until_spoken(member: Member, reply_id: str, within: float = 90.0) -> list[dict[str, Any]]:
    """Every piece of a reply's speech, up to its last."""
    await member.next(
        lambda f: (
            f.get("event", {}).get("replyAudio", {}).get("replyId") == reply_id
            and f["event"]["replyAudio"].get("last", False)
        ),
        within,
    )
    return audio_of(member, reply_id)


async def join(
    stack: Stack, *personas: dict[str, Any], names: tuple[str, ...] = ("Alice", "Bob")
) -> tuple[dict[str, Any], list[Member]]:
    created = await create_room(stack.http, *personas)
    room_id, invite = created["room"]["id"], created["inviteToken"]
    members = []
    for name in names:
        member = Member(stack.ws, room_id)
        await member.join(invite, name)
        members.append(member)
    return created, members


def persona_id(created: dict[str, Any], name: str) -> str:
    return next(p["id"] for p in created["room"]["participants"] if p["name"] == name)


@pytest.mark.asyncio
async def test_personas_get_distinct_voices(stack: Stack) -> None:
    created, _ = await join(stack, ADA, REX, names=())
    voices = [p["persona"]["voice"] for p in created["room"]["participants"]]
    assert all(voices) and len(set(voices)) == 2, voices


@pytest.mark.asyncio
async def test_a_spoken_turn_becomes_a_message_and_the_named_persona_answers_aloud(
    stack: Stack,
) -> None:
    created, (alice, bob) = await join(stack, ADA)
    ada = persona_id(created, "Ada")
    pcm = await speech(stack, "Ada, what is two plus two?")
    ref = await talk(alice, pcm)
    answer = await answer_to(alice, ref)
    assert "ack" in answer, answer

    # Bob saw Alice speaking, then her words as her message, marked spoken.
    message = (await bob.next(lambda f: "message" in f.get("event", {})))["event"]["message"]
    captions = [
        f["event"]["voiceCaption"] for f in bob.frames if "voiceCaption" in f.get("event", {})
    ]
    assert captions and captions[0]["participantId"] == alice.welcome["you"]["id"]
    assert message["authorName"] == "Alice" and message["spoken"] is True
    assert "ada" in message["text"].lower() and "plus" in message["text"].lower(), message
    assert message["mentionIds"] == [ada]
    assert message["id"] == answer["ack"]["messageId"]

    # Ada answers, and both hear her: decodable, non-silent audio in her voice.
    started = await bob.next(lambda f: "replyStarted" in f.get("event", {}))
    reply_id = started["event"]["replyStarted"]["replyId"]
    for member in (alice, bob):
        pieces = await until_spoken(member, reply_id)
        assert [p.get("index", 0) for p in pieces] == list(range(len(pieces)))
        assert all(p["personaId"] == ada for p in pieces)
        pcm = b"".join(p["pcm"] for p in pieces)
        assert len(pcm) > RATE, "less than half a second of speech"
        assert rms(pcm) > 300, "silent speech"
        assert not pieces[-1].get("error")
    await alice.close()
    await bob.close()


@pytest.mark.asyncio
async def test_two_personas_answering_one_turn_are_heard_one_after_the_other(stack: Stack) -> None:
    created, (alice,) = await join(stack, ADA, REX, names=("Alice",))
    pcm = await speech(stack, "Ada and Rex, what are your favourite colours?")
    ref = await talk(alice, pcm)
    assert "ack" in await answer_to(alice, ref)
    speakers: list[str] = []
    while len(speakers) < 2:
        frame = await alice.next(
            lambda f: f.get("event", {}).get("replyAudio", {}).get("last", False), 120
        )
        speakers.append(frame["event"]["replyAudio"]["replyId"])
    order = [
        f["event"]["replyAudio"]["replyId"]
        for f in alice.frames
        if "replyAudio" in f.get("event", {})
    ]
    first, second = speakers
    # Every piece of the first reply's speech comes before any of the second's.
    assert max(i for i, r in enumerate(order) if r == first) < min(
        i for i, r in enumerate(order) if r == second
    )
    voices = {
        f["event"]["replyAudio"]["personaId"]
        for f in alice.frames
        if "replyAudio" in f.get("event", {})
    }
    assert voices == {persona_id(created, "Ada"), persona_id(created, "Rex")}
    await alice.close()


@pytest.mark.asyncio
async def test_two_people_speaking_at_once_get_two_attributed_messages(stack: Stack) -> None:
    _, (alice, bob) = await join(stack)
    said_by_alice, said_by_bob = await asyncio.gather(
        speech(stack, "The weather is lovely today."),
        speech(stack, "I would like a cup of coffee."),
    )
    refs = await asyncio.gather(talk(alice, said_by_alice), talk(bob, said_by_bob))
    assert "ack" in await answer_to(alice, refs[0])
    assert "ack" in await answer_to(bob, refs[1])
    messages = [f["event"]["message"] for f in alice.frames if "message" in f.get("event", {})]
    while len(messages) < 2:
        frame = await alice.next(lambda f: "message" in f.get("event", {}))
        messages.append(frame["event"]["message"])
    by = {m["authorName"]: m["text"].lower() for m in messages}
    assert "weather" in by["Alice"] and "coffee" in by["Bob"], by
    await alice.close()
    await bob.close()


@pytest.mark.asyncio
async def test_barge_in_stops_the_speech_for_everyone(stack: Stack) -> None:
    _, (alice, bob) = await join(stack, ADA)
    question = await speech(stack, "Ada, tell me about the moon.")
    ref = await talk(alice, question)
    assert "ack" in await answer_to(alice, ref)
    first = await alice.next(lambda f: "replyAudio" in f.get("event", {}), 120)
    reply_id = first["event"]["replyAudio"]["replyId"]
    pressed = time.monotonic()
    await bob.send_frame({"ref": "barge", "voiceStart": {"turnId": "barge-in"}})
    for member in (alice, bob):
        stopped = await member.next(lambda f: "speechStopped" in f.get("event", {}), 10)
        assert reply_id in stopped["event"]["speechStopped"]["replyIds"]
        assert stopped["event"]["speechStopped"]["byParticipantId"] == bob.welcome["you"]["id"]
    print(
        f"press -> speechStopped at the other member: {(time.monotonic() - pressed) * 1000:.0f} ms"
    )
    await bob.send_frame({"ref": "cancel", "voiceEnd": {"cancel": True}})
    # Nothing more of that reply is spoken after the stop.
    await alice.say("still here", ref="text-after")
    await alice.next(lambda f: f.get("ack", {}).get("ref") == "text-after")
    stopped_at = next(
        i for i, f in enumerate(alice.frames) if "speechStopped" in f.get("event", {})
    )
    later = [
        f
        for f in alice.frames[stopped_at:]
        if f.get("event", {}).get("replyAudio", {}).get("replyId") == reply_id
    ]
    assert not later
    await alice.close()
    await bob.close()


@pytest.mark.asyncio
async def test_the_play_button_speaks_a_message_to_one_member(stack: Stack) -> None:
    _, (alice, bob) = await join(stack, ADA)
    await alice.say("@Ada say hello", ref="hi")
    ended = await alice.next(lambda f: "replyEnded" in f.get("event", {}), 120)
    message_id = ended["event"]["replyEnded"]["replyId"]
    assert ended["event"]["replyEnded"]["outcome"] == "REPLY_OUTCOME_COMPLETED"
    assert not audio_of(alice, message_id), "a typed question is answered in text only"
    await bob.send_frame({"ref": "play", "speak": {"messageId": message_id}})
    pieces = await until_spoken(bob, message_id, 60)
    assert rms(b"".join(p["pcm"] for p in pieces)) > 300
    # Alice, who did not press play, hears nothing of it.
    await alice.say("ping", ref="after-play")
    await alice.next(lambda f: f.get("ack", {}).get("ref") == "after-play")
    assert not audio_of(alice, message_id)
    # Again: served from the cache, the same audio.
    await bob.send_frame({"ref": "play2", "speak": {"messageId": message_id}})
    before = len(bob.frames)
    await until_spoken(bob, message_id, 30)
    again = [
        f["event"]["replyAudio"]["pcm"]
        for f in bob.frames[before:]
        if "replyAudio" in f.get("event", {})
    ]
    assert b"".join(again) == b"".join(p["pcm"] for p in pieces)
    await alice.close()
    await bob.close()


async def error_for(member: Member, ref: str) -> dict[str, Any]:
    frame = await member.next(lambda f: f.get("error", {}).get("ref") == ref, 30)
    error: dict[str, Any] = frame["error"]
    return error


@pytest.mark.asyncio
async def test_bad_audio_gets_typed_errors_and_harms_nothing(stack: Stack) -> None:
    _, (alice,) = await join(stack, names=("Alice",))
    await alice.send_audio(b"\x00\x00" * 800)
    unsolicited = await alice.next(lambda f: "error" in f)
    assert unsolicited["error"]["code"] == "ERROR_CODE_BAD_AUDIO"

    await alice.send_frame({"ref": "rate", "voiceStart": {"turnId": "t1", "sampleRateHz": 8000}})
    assert (await error_for(alice, "rate"))["code"] == "ERROR_CODE_BAD_AUDIO"
    await alice.send_frame({"ref": "noid", "voiceStart": {}})
    assert (await error_for(alice, "noid"))["code"] == "ERROR_CODE_INVALID_ARGUMENT"

    await alice.send_frame({"ref": "odd", "voiceStart": {"turnId": "t2"}})
    await alice.send_audio(b"\x01\x02\x03")
    assert (await error_for(alice, "odd"))["code"] == "ERROR_CODE_BAD_AUDIO"

    await alice.send_audio(b"\x00" * 20_000)  # over the frame cap
    assert (await alice.next(lambda f: "error" in f))["error"]["code"] == "ERROR_CODE_TOO_LARGE"

    ref = await talk(alice, b"\x00\x00" * RATE, turn_id="t3", realtime=False)  # a second of silence
    error = await error_for(alice, ref)
    assert error["code"] == "ERROR_CODE_NO_SPEECH"

    await alice.send_frame({"ref": "twice", "voiceStart": {"turnId": "t4"}})
    await alice.send_frame({"ref": "again", "voiceStart": {"turnId": "t5"}})
    assert (await error_for(alice, "again"))["code"] == "ERROR_CODE_INVALID_ARGUMENT"
    await alice.send_frame({"ref": "drop", "voiceEnd": {"cancel": True}})

    await alice.say("text still works", ref="text")
    await alice.next(lambda f: "message" in f.get("event", {}))
    messages = [f for f in alice.frames if "message" in f.get("event", {})]
    assert [m["event"]["message"]["text"] for m in messages] == ["text still works"]
    await alice.close()


@pytest.fixture(scope="module")
def voiceless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose voice service is down (nothing listens at its address)."""
    running = Stack(Path(tmp_path_factory.mktemp("voiceless")), voice=False)
    try:
        running.start()
    except BaseException:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.mark.asyncio
async def test_voice_down_is_a_retryable_error_and_text_goes_on(voiceless: Stack) -> None:
    created, (alice,) = await join(voiceless, ADA, names=("Alice",))
    assert created["room"]["participants"][0]["persona"].get("voice", "") == ""
    ref = await talk(alice, b"\x00\x10" * 4000, realtime=False)
    error = await error_for(alice, ref)
    assert error["code"] == "ERROR_CODE_UNAVAILABLE" and error["retryable"] is True
    await alice.say("@Ada hello", ref="typed")
    await alice.next(lambda f: f.get("ack", {}).get("ref") == "typed")
    ended = await alice.next(lambda f: "replyEnded" in f.get("event", {}), 120)
    assert ended["event"]["replyEnded"]["outcome"] in (
        "REPLY_OUTCOME_COMPLETED",
        "REPLY_OUTCOME_DECLINED",
    )
    await alice.close()
