"""A test client of VoiceService: streams audio like the room service will."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc
from chorus.v1 import voice_pb2, voice_pb2_grpc

BYTES_PER_MS = 32  # 16 kHz mono PCM16


@dataclass
class TurnResult:
    events: list[voice_pb2.TranscribeEvent] = field(default_factory=list)
    # Partials received before the half-close.
    partials_before_release: list[str] = field(default_factory=list)
    released_at: float = 0.0
    final_at: float = 0.0

    @property
    def final(self) -> voice_pb2.TranscribeEvent | None:
        return next((e for e in self.events if e.HasField("final")), None)

    @property
    def error(self) -> voice_pb2.VoiceError | None:
        found = next((e for e in self.events if e.HasField("error")), None)
        return found.error if found else None

    @property
    def text(self) -> str:
        final = self.final
        return final.final.text if final else ""

    @property
    def release_to_final_ms(self) -> float:
        return (self.final_at - self.released_at) * 1000


def config_request(
    hotwords: Sequence[str] = (), *, model: str = "", language: str = "en", **fmt: int
) -> voice_pb2.TranscribeRequest:
    audio_format = voice_pb2.AudioFormat(
        encoding=fmt.get("encoding", voice_pb2.AUDIO_ENCODING_PCM16LE),
        sample_rate_hz=fmt.get("sample_rate_hz", 16000),
        channels=fmt.get("channels", 1),
    )
    return voice_pb2.TranscribeRequest(
        config=voice_pb2.TranscribeConfig(
            format=audio_format, language=language, hotwords=list(hotwords), model=model
        )
    )


async def transcribe(
    stub: voice_pb2_grpc.VoiceServiceStub,
    pcm: bytes,
    *,
    hotwords: Sequence[str] = (),
    chunk_ms: int = 100,
    realtime: bool = True,
    first: voice_pb2.TranscribeRequest | None = None,
    deadline_s: float = 60.0,
) -> TurnResult:
    """One turn: the config (or ``first``), ``pcm`` in ``chunk_ms`` pieces
    (paced at real time when ``realtime``), then the half-close."""
    result = TurnResult()
    call = stub.Transcribe(timeout=deadline_s)

    async def read() -> None:
        async for event in call:
            result.events.append(event)
            if event.HasField("partial") and not result.released_at:
                result.partials_before_release.append(event.partial.text)
            if event.HasField("final") or event.HasField("error"):
                result.final_at = time.perf_counter()

    reader = asyncio.create_task(read())
    try:
        # Writing to a call the server has already ended (with an error event) fails.
        with contextlib.suppress(grpc.aio.AioRpcError, asyncio.InvalidStateError):
            await call.write(first or config_request(hotwords))
            step = chunk_ms * BYTES_PER_MS
            began = time.perf_counter()
            for index, offset in enumerate(range(0, len(pcm), step)):
                if reader.done():
                    break
                await call.write(voice_pb2.TranscribeRequest(audio=pcm[offset : offset + step]))
                if realtime:
                    delay = began + (index + 1) * chunk_ms / 1000 - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
            result.released_at = time.perf_counter()
            if not reader.done():
                await call.done_writing()
        await reader
    finally:
        reader.cancel()
        call.cancel()
    return result
