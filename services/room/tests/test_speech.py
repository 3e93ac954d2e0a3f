"""Spoken replies when speech fails: the reply stands as text and the room is
told, through a Voice adapter that fails on demand (the real voice service
is exercised in tests/e2e/test_voice.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Sequence
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from chorus.v1 import room_pb2, room_pb2_grpc
from chorus_room.config import RoomSettings
from chorus_room.ports.voice import Heard, Sound, VoiceFailure, VoiceFailureKind, VoiceOption
from chorus_room.server import RoomServer

from .fakes import ScriptedCompleter
from .session_client import SessionClient


class SpeechlessVoice:
    """Knows its voices, but every synthesis fails (a voice service that
    breaks mid-reply)."""

    async def transcribe(
        self,
        audio: AsyncIterable[bytes],
        *,
        sample_rate_hz: int,
        hotwords: Sequence[str],
        request_id: str,
    ) -> AsyncGenerator[Heard, None]:
        raise VoiceFailure("not in this test", kind=VoiceFailureKind.UNAVAILABLE)
        yield Heard("")  # pragma: no cover

    async def synthesize(
        self, text: str, voice_id: str, *, request_id: str
    ) -> AsyncGenerator[Sound, None]:
        raise VoiceFailure("synthesis broke", kind=VoiceFailureKind.FAILED)
        yield Sound(b"", 0)  # pragma: no cover

    async def voices(self) -> Sequence[VoiceOption]:
        return [VoiceOption("low", "Low", "", True), VoiceOption("high", "High", "", True)]

    async def aclose(self) -> None:
        return None


@pytest_asyncio.fixture
async def room_stub(tmp_path: Path) -> AsyncIterator[room_pb2_grpc.RoomServiceStub]:
    settings = RoomSettings(
        host="127.0.0.1", port=0, database=str(tmp_path / "room.db"), chat_target="127.0.0.1:1"
    )
    server = RoomServer(settings, completer=ScriptedCompleter(), voice=SpeechlessVoice())
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield room_pb2_grpc.RoomServiceStub(channel)
    await server.stop(grace=0.5)


@pytest.mark.asyncio
async def test_failed_speech_leaves_the_reply_as_text_with_a_notice(
    room_stub: room_pb2_grpc.RoomServiceStub,
) -> None:
    created = await room_stub.CreateRoom(
        room_pb2.CreateRoomRequest(
            name="Loud",
            personas=[room_pb2.PersonaSpec(name="Ada"), room_pb2.PersonaSpec(name="Rex")],
            options=room_pb2.RoomOptions(speak_replies=True),
        )
    )
    # Each persona got a voice of its own.
    assert sorted(p.persona.voice for p in created.room.participants) == ["high", "low"]
    session = SessionClient(room_stub, created.room.id)
    await session.join("c1", created.invite_token, "Sam")
    await session.send("c1", "@Ada hello", client_msg_id="m1")
    events = await session.events_until(
        "c1", lambda e: e.HasField("reply_audio") and e.reply_audio.last
    )
    stored = [e.message for e in events if e.HasField("message") and e.message.author_name == "Ada"]
    audio = [e.reply_audio for e in events if e.HasField("reply_audio")]
    assert stored and stored[0].text == "Hello there!"
    assert len(audio) == 1 and audio[0].reply_id == stored[0].id
    assert audio[0].error.code == room_pb2.ERROR_CODE_UNAVAILABLE
    assert "could not be spoken" in audio[0].error.message
    assert "synthesis broke" not in audio[0].error.message  # the detail stays in the log
    await session.aclose()
