"""Synthesize and ListVoices through real gRPC with the real Piper voice."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import numpy as np
import pytest
import pytest_asyncio
from chorus.v1 import voice_pb2, voice_pb2_grpc
from chorus_voice.audio import float_to_pcm16, frame_levels_db, pcm16_to_float, resample_rate
from chorus_voice.pitch import median_f0_hz
from chorus_voice.testing import VoiceServerThread

from .client import transcribe

RATE = 22050
SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs away into the forest."


@pytest_asyncio.fixture
async def stub(voice: VoiceServerThread) -> AsyncIterator[voice_pb2_grpc.VoiceServiceStub]:
    async with grpc.aio.insecure_channel(voice.target) as channel:
        yield voice_pb2_grpc.VoiceServiceStub(channel)


@dataclass
class Spoken:
    chunks: list[voice_pb2.SynthesizeChunk]
    arrivals: list[float]

    @property
    def audio(self) -> bytes:
        return b"".join(chunk.audio for chunk in self.chunks)

    @property
    def samples(self) -> np.ndarray:
        return pcm16_to_float(self.audio)

    @property
    def error(self) -> voice_pb2.VoiceError | None:
        return next((c.error for c in self.chunks if c.HasField("error")), None)


async def speak(stub: voice_pb2_grpc.VoiceServiceStub, text: str, voice_id: str = "") -> Spoken:
    spoken = Spoken([], [])
    began = time.perf_counter()
    async for chunk in stub.Synthesize(
        voice_pb2.SynthesizeRequest(text=text, voice_id=voice_id), timeout=60
    ):
        spoken.chunks.append(chunk)
        spoken.arrivals.append(time.perf_counter() - began)
    return spoken


@pytest.mark.asyncio
async def test_speech_streams_in_one_format_as_each_sentence_is_ready(
    stub: voice_pb2_grpc.VoiceServiceStub,
) -> None:
    text = "Hello there. " + SENTENCE + " Is that right?"

    spoken = await speak(stub, text)

    assert spoken.error is None
    audio_chunks = [c for c in spoken.chunks if c.audio]
    assert len(audio_chunks) >= 3
    for chunk in audio_chunks:
        assert chunk.format.encoding == voice_pb2.AUDIO_ENCODING_PCM16LE
        assert chunk.format.sample_rate_hz == RATE
        assert chunk.format.channels == 1
        assert len(chunk.audio) % 2 == 0
    last = spoken.chunks[-1]
    assert last.last
    assert [c.last for c in spoken.chunks].count(True) == 1
    assert last.first_audio_ms > 0
    # Streamed: the first sentence's audio came well before the end.
    first_at = spoken.arrivals[0]
    print(
        f"\nfirst audio after {first_at * 1000:.0f} ms (server {last.first_audio_ms} ms), "
        f"all after {spoken.arrivals[-1] * 1000:.0f} ms"
    )
    assert first_at < spoken.arrivals[-1] * 0.6
    # Decodable, not silent, about as long as the words take.
    samples = spoken.samples
    seconds = len(samples) / RATE
    assert 5.0 < seconds < 14.0
    assert frame_levels_db(samples, RATE // 10).max() > -20


@pytest.mark.asyncio
async def test_what_the_service_says_can_be_transcribed_back(
    stub: voice_pb2_grpc.VoiceServiceStub,
) -> None:
    spoken = await speak(stub, "Linus, please write a haiku about autumn leaves.", "bright")
    pcm16k = float_to_pcm16(resample_rate(spoken.samples, RATE, 16000))

    result = await transcribe(stub, pcm16k, hotwords=["Linus"], realtime=False)

    said = re.findall(r"[a-z]+", result.text.lower())
    assert {"linus", "autumn", "leaves"} <= set(said), result.text


@pytest.mark.asyncio
async def test_the_default_voices_differ_in_pitch_and_speed(
    stub: voice_pb2_grpc.VoiceServiceStub,
) -> None:
    listed = await stub.ListVoices(voice_pb2.ListVoicesRequest())
    measured: dict[str, tuple[float, float]] = {}
    for voice in listed.voices:
        samples = (await speak(stub, SENTENCE, voice.id)).samples
        measured[voice.id] = (median_f0_hz(samples, RATE), len(samples) / RATE)
    print()
    for voice_id, (f0, seconds) in sorted(measured.items(), key=lambda item: item[1][0]):
        print(f"  {voice_id:8} median F0 {f0:6.1f} Hz   {seconds:4.2f} s")

    assert len(measured) >= 4
    pitches = sorted(f0 for f0, _ in measured.values())
    # Every two voices are more than a semitone apart in median pitch (they
    # are set 2 to 4 apart)...
    for lower, higher in itertools.pairwise(pitches):
        assert higher / lower > 1.07, pitches
    # ...in the order the registry says (basso < brisk < joe < bright < piccolo)...
    order = sorted(measured, key=lambda voice_id: measured[voice_id][0])
    assert order == ["basso", "brisk", "joe", "bright", "piccolo"]
    # ...and the shift lands near what was asked: joe up 8 semitones is x1.59.
    assert measured["piccolo"][0] / measured["joe"][0] == pytest.approx(1.587, rel=0.12)
    # Tempo too: brisk speaks fast, basso slowly.
    assert measured["brisk"][1] < measured["joe"][1] * 0.88
    assert measured["basso"][1] > measured["joe"][1] * 1.05


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "voice_id", "code"),
    [
        ("Hello.", "nobody", voice_pb2.VOICE_ERROR_CODE_UNKNOWN_VOICE),
        ("", "", voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST),
        ("   \n", "joe", voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST),
        ("a" * 2001, "joe", voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST),
    ],
    ids=["unknown-voice", "empty", "blank", "too-long"],
)
async def test_bad_requests_get_typed_errors(
    stub: voice_pb2_grpc.VoiceServiceStub, text: str, voice_id: str, code: int
) -> None:
    spoken = await speak(stub, text, voice_id)

    assert len(spoken.chunks) == 1
    assert spoken.error is not None
    assert spoken.error.code == code
    assert not spoken.error.retryable


@pytest.mark.asyncio
async def test_list_voices(stub: voice_pb2_grpc.VoiceServiceStub) -> None:
    listed = await stub.ListVoices(voice_pb2.ListVoicesRequest())

    assert listed.default_voice == "joe"
    ids = [voice.id for voice in listed.voices]
    assert ids == ["joe", "basso", "brisk", "bright", "piccolo"]
    for voice in listed.voices:
        assert voice.available, voice.unavailable_reason
        assert voice.engine == "piper"
        assert voice.sample_rate_hz == RATE
        assert voice.display_name and voice.description


@pytest.mark.asyncio
async def test_a_cancelled_synthesis_stops_and_the_service_goes_on(
    stub: voice_pb2_grpc.VoiceServiceStub, voice: VoiceServerThread
) -> None:
    call = stub.Synthesize(voice_pb2.SynthesizeRequest(text=" ".join([SENTENCE] * 6)))
    first = await call.read()
    assert first.audio
    call.cancel()

    spoken = await speak(stub, "Still here.")

    assert spoken.error is None
    assert spoken.samples.size > RATE // 4
