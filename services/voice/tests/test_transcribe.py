"""Transcribe through real gRPC with the real Whisper base model, on speech
that Piper makes at test time, streamed at real time as a browser would."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from chorus.v1 import voice_pb2, voice_pb2_grpc
from chorus_voice.config import VoiceSettings
from chorus_voice.testing import VoiceServerThread, speech_pcm16

from .client import BYTES_PER_MS, config_request, transcribe
from .conftest import MAX_TURNS

ADA = "Ada, who really invented the telescope?"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


@pytest_asyncio.fixture
async def stub(voice: VoiceServerThread) -> AsyncIterator[voice_pb2_grpc.VoiceServiceStub]:
    async with grpc.aio.insecure_channel(voice.target) as channel:
        yield voice_pb2_grpc.VoiceServiceStub(channel)


@pytest.fixture(scope="module")
def ada_pcm(settings: VoiceSettings) -> bytes:
    return speech_pcm16(ADA, settings=settings)


def silence(ms: int) -> bytes:
    return b"\x00\x00" * (16 * ms)


@pytest.mark.asyncio
async def test_a_spoken_turn_is_transcribed_while_spoken_and_keeps_the_hotword(
    stub: voice_pb2_grpc.VoiceServiceStub, ada_pcm: bytes
) -> None:
    result = await transcribe(stub, ada_pcm + silence(300), hotwords=["Ada", "Grace", "Linus"])

    assert result.error is None, result.error
    said = words(result.text)
    print(f"\nfinal: {result.text!r}; partials before release: {result.partials_before_release}")
    assert said[0] == "ada"
    for word in ("who", "really", "invented", "the", "telescope"):
        assert word in said
    # Decoded while it was spoken: partials came before the release...
    assert result.partials_before_release
    assert "telescope" in words(" ".join(result.partials_before_release))
    # ...so that the final came right after it.
    final = result.final
    assert final is not None
    timing = final.timing
    print(f"release -> final {result.release_to_final_ms:.0f} ms (server tail {timing.tail_ms} ms)")
    assert timing.audio_ms == pytest.approx(len(ada_pcm) / BYTES_PER_MS + 300, abs=5)
    assert timing.decode_ms > 0
    assert timing.tail_ms < 1500
    assert 0 <= final.final.start_ms < final.final.end_ms <= timing.audio_ms
    # Exactly one final, and it is the last event.
    assert [e.WhichOneof("event") for e in result.events].count("final") == 1
    assert result.events[-1].HasField("final")


@pytest.mark.asyncio
async def test_release_right_at_the_last_word_decodes_only_the_tail(
    stub: voice_pb2_grpc.VoiceServiceStub, settings: VoiceSettings
) -> None:
    pcm = speech_pcm16(
        "Grace, please tell me a short story about a brave little mouse.", settings=settings
    )

    result = await transcribe(stub, pcm, hotwords=["Ada", "Grace"])

    assert result.error is None, result.error
    said = words(result.text)
    assert said[:2] == ["grace", "please"]
    assert {"story", "brave", "little", "mouse"} <= set(said)
    print(f"\nrelease -> final {result.release_to_final_ms:.0f} ms: {result.text!r}")


@pytest.mark.asyncio
async def test_two_people_speaking_at_once_get_their_own_transcripts(
    stub: voice_pb2_grpc.VoiceServiceStub, ada_pcm: bytes, settings: VoiceSettings
) -> None:
    other = speech_pcm16("Good morning everyone, how are you today?", settings=settings)

    first, second = await asyncio.gather(
        transcribe(stub, ada_pcm, hotwords=["Ada"]), transcribe(stub, other)
    )

    assert "telescope" in words(first.text)
    assert {"morning", "everyone", "today"} <= set(words(second.text))


@pytest.mark.asyncio
async def test_the_fast_model_can_be_asked_for(
    stub: voice_pb2_grpc.VoiceServiceStub, settings: VoiceSettings
) -> None:
    pcm = speech_pcm16("What is the capital of Australia?", settings=settings)

    result = await transcribe(
        stub, pcm, first=config_request(model="whisper-tiny.en"), realtime=False
    )

    assert {"capital", "australia"} <= set(words(result.text))


@pytest.mark.asyncio
async def test_silence_is_no_speech(stub: voice_pb2_grpc.VoiceServiceStub) -> None:
    result = await transcribe(stub, silence(1500), realtime=False)

    assert result.final is None
    assert result.error is not None
    assert result.error.code == voice_pb2.VOICE_ERROR_CODE_NO_SPEECH
    assert not result.error.retryable
    assert not [e for e in result.events if e.HasField("partial")]


@pytest.mark.asyncio
async def test_a_turn_with_no_audio_is_no_speech(stub: voice_pb2_grpc.VoiceServiceStub) -> None:
    result = await transcribe(stub, b"")

    assert result.error is not None
    assert result.error.code == voice_pb2.VOICE_ERROR_CODE_NO_SPEECH


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("first", "audio", "code"),
    [
        # An odd byte count: not whole PCM16 samples.
        (config_request(), b"\x01\x02\x03", voice_pb2.VOICE_ERROR_CODE_INVALID_AUDIO),
        (
            config_request(sample_rate_hz=44100),
            silence(100),
            voice_pb2.VOICE_ERROR_CODE_INVALID_AUDIO,
        ),
        (config_request(channels=2), silence(100), voice_pb2.VOICE_ERROR_CODE_INVALID_AUDIO),
        (
            config_request(encoding=99),
            silence(100),
            voice_pb2.VOICE_ERROR_CODE_INVALID_AUDIO,
        ),
        # Audio before the config.
        (
            voice_pb2.TranscribeRequest(audio=silence(100)),
            silence(100),
            voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST,
        ),
        # A second config.
        (config_request(), None, voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST),
        (
            config_request(model="whisper-huge"),
            silence(100),
            voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST,
        ),
    ],
    ids=["odd-bytes", "44khz", "stereo", "encoding", "audio-first", "two-configs", "model"],
)
async def test_bad_turns_get_typed_errors(
    stub: voice_pb2_grpc.VoiceServiceStub,
    first: voice_pb2.TranscribeRequest,
    audio: bytes | None,
    code: int,
) -> None:
    call = stub.Transcribe(timeout=30)
    await call.write(first)
    try:
        if audio is None:
            await call.write(config_request())
        else:
            await call.write(voice_pb2.TranscribeRequest(audio=audio))
        await call.done_writing()
    except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
        pass  # the server may have ended the call already
    events = [event async for event in call]

    assert [e.WhichOneof("event") for e in events] == ["error"]
    assert events[0].error.code == code
    assert events[0].error.message
    assert await call.code() == grpc.StatusCode.OK


@pytest.mark.asyncio
async def test_a_turn_over_the_cap_is_too_long(
    stub: voice_pb2_grpc.VoiceServiceStub, voice: VoiceServerThread
) -> None:
    cap_ms = int(voice.settings.max_turn_s * 1000)

    result = await transcribe(stub, silence(cap_ms + 1000), chunk_ms=1000, realtime=False)

    assert result.error is not None
    assert result.error.code == voice_pb2.VOICE_ERROR_CODE_TOO_LONG


@pytest.mark.asyncio
async def test_turns_over_the_cap_are_refused_and_cancelled_turns_free_their_place(
    stub: voice_pb2_grpc.VoiceServiceStub, voice: VoiceServerThread, ada_pcm: bytes
) -> None:
    engine = voice.server.engine
    holders = [stub.Transcribe(timeout=30) for _ in range(MAX_TURNS)]
    try:
        for call in holders:
            await call.write(config_request())
            await call.write(voice_pb2.TranscribeRequest(audio=silence(100)))
        for _ in range(200):
            if engine.turns_in_flight == MAX_TURNS:
                break
            await asyncio.sleep(0.01)
        assert engine.turns_in_flight == MAX_TURNS

        refused = await transcribe(stub, silence(100), realtime=False)

        assert refused.error is not None
        assert refused.error.code == voice_pb2.VOICE_ERROR_CODE_OVERLOADED
        assert refused.error.retryable
    finally:
        for call in holders:
            call.cancel()
    for _ in range(500):
        if engine.turns_in_flight == 0:
            break
        await asyncio.sleep(0.01)
    assert engine.turns_in_flight == 0
    # The service goes on as before.
    again = await transcribe(stub, ada_pcm, realtime=False)
    assert "telescope" in words(again.text)
