"""Voice over gRPC to the voice service (chorus.v1.VoiceService)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Sequence

import grpc
from chorus.v1 import voice_pb2, voice_pb2_grpc
from chorus_common.context import outgoing_metadata

from chorus_room.adapters.grpc_completer import CHANNEL_OPTIONS
from chorus_room.ports.voice import Heard, Sound, VoiceFailure, VoiceFailureKind, VoiceOption

_KINDS = {
    voice_pb2.VOICE_ERROR_CODE_INVALID_AUDIO: VoiceFailureKind.BAD_AUDIO,
    voice_pb2.VOICE_ERROR_CODE_TOO_LONG: VoiceFailureKind.TOO_LONG,
    voice_pb2.VOICE_ERROR_CODE_NO_SPEECH: VoiceFailureKind.NO_SPEECH,
    voice_pb2.VOICE_ERROR_CODE_UNKNOWN_VOICE: VoiceFailureKind.UNKNOWN_VOICE,
    voice_pb2.VOICE_ERROR_CODE_UNAVAILABLE: VoiceFailureKind.UNAVAILABLE,
    voice_pb2.VOICE_ERROR_CODE_OVERLOADED: VoiceFailureKind.OVERLOADED,
}
_STATUS_KINDS = {
    grpc.StatusCode.UNAVAILABLE: VoiceFailureKind.UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED: VoiceFailureKind.OVERLOADED,
}
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}


def _failure(error: voice_pb2.VoiceError) -> VoiceFailure:
    return VoiceFailure(
        f"voice service: {voice_pb2.VoiceErrorCode.Name(error.code)}: {error.message}",
        kind=_KINDS.get(error.code, VoiceFailureKind.FAILED),
        retryable=error.retryable,
    )


def _transport_failure(exc: grpc.aio.AioRpcError) -> VoiceFailure:
    code = exc.code()
    return VoiceFailure(
        f"voice service: {code.name.lower()}: {exc.details() or ''}".strip(),
        kind=_STATUS_KINDS.get(code, VoiceFailureKind.FAILED),
        retryable=code in _RETRYABLE,
    )


class GrpcVoice:
    def __init__(self, target: str, *, connect_wait_s: float = 2.0) -> None:
        self._channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self._stub = voice_pb2_grpc.VoiceServiceStub(self._channel)
        self._connect_wait_s = connect_wait_s

    async def _connected(self) -> None:
        try:
            async with asyncio.timeout(self._connect_wait_s):
                await self._channel.channel_ready()
        except TimeoutError:
            raise VoiceFailure(
                f"voice service: not reachable within {self._connect_wait_s:g} s",
                kind=VoiceFailureKind.UNAVAILABLE,
                retryable=True,
            ) from None

    async def transcribe(
        self,
        audio: AsyncIterable[bytes],
        *,
        sample_rate_hz: int,
        hotwords: Sequence[str],
        request_id: str,
    ) -> AsyncGenerator[Heard, None]:
        await self._connected()
        config = voice_pb2.TranscribeConfig(
            format=voice_pb2.AudioFormat(
                encoding=voice_pb2.AUDIO_ENCODING_PCM16LE,
                sample_rate_hz=sample_rate_hz,
                channels=1,
            ),
            hotwords=hotwords,
            request_id=request_id,
        )

        async def requests() -> AsyncIterator[voice_pb2.TranscribeRequest]:
            yield voice_pb2.TranscribeRequest(config=config)
            async for pcm in audio:
                yield voice_pb2.TranscribeRequest(audio=pcm)

        call = self._stub.Transcribe(requests(), metadata=outgoing_metadata())
        try:
            async for event in call:
                kind = event.WhichOneof("event")
                if kind == "partial":
                    yield Heard(event.partial.text)
                elif kind == "final":
                    yield Heard(event.final.text, final=True)
                    return
                elif kind == "error":
                    raise _failure(event.error)
            raise VoiceFailure("voice service: the turn ended without a transcript")
        except grpc.aio.AioRpcError as exc:
            raise _transport_failure(exc) from exc
        finally:
            call.cancel()

    async def synthesize(
        self, text: str, voice_id: str, *, request_id: str
    ) -> AsyncGenerator[Sound, None]:
        await self._connected()
        request = voice_pb2.SynthesizeRequest(text=text, voice_id=voice_id, request_id=request_id)
        call = self._stub.Synthesize(request, metadata=outgoing_metadata())
        try:
            async for chunk in call:
                if chunk.WhichOneof("chunk") == "error":
                    raise _failure(chunk.error)
                if chunk.audio:
                    yield Sound(chunk.audio, chunk.format.sample_rate_hz)
                if chunk.last:
                    return
        except grpc.aio.AioRpcError as exc:
            raise _transport_failure(exc) from exc
        finally:
            call.cancel()

    async def voices(self) -> Sequence[VoiceOption]:
        try:
            response: voice_pb2.ListVoicesResponse = await self._stub.ListVoices(
                voice_pb2.ListVoicesRequest(), timeout=5
            )
        except grpc.aio.AioRpcError as exc:
            raise _transport_failure(exc) from exc
        return [
            VoiceOption(v.id, v.display_name, v.description, v.available) for v in response.voices
        ]

    async def aclose(self) -> None:
        await self._channel.close(grace=None)
