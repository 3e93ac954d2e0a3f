"""The gRPC face of the engine: chorus.v1.VoiceService.

Each call's log lines carry its request id (the ``x-request-id`` metadata,
else the request's own ``request_id``). Failures are typed events in the
stream (``VoiceError``), never gRPC status errors, so that a caller can tell
the person what went wrong; only a cancelled call ends without one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import aclosing
from typing import Any

import grpc
from chorus.v1 import voice_pb2
from chorus_common import context as log_context

from chorus_voice import metrics
from chorus_voice.engine import TurnOptions, VoiceEngine
from chorus_voice.errors import ErrorCode, VoiceError
from chorus_voice.stt.base import SAMPLE_RATE
from chorus_voice.stt.turn import Final, Partial, Turn
from chorus_voice.tts.bank import OUTPUT_RATE_HZ

log = logging.getLogger(__name__)

SERVICE_NAME: str = voice_pb2.DESCRIPTOR.services_by_name["VoiceService"].full_name
OUTPUT_FORMAT = voice_pb2.AudioFormat(
    encoding=voice_pb2.AUDIO_ENCODING_PCM16LE, sample_rate_hz=OUTPUT_RATE_HZ, channels=1
)
_CODES = {
    ErrorCode.INVALID_AUDIO: voice_pb2.VOICE_ERROR_CODE_INVALID_AUDIO,
    ErrorCode.TOO_LONG: voice_pb2.VOICE_ERROR_CODE_TOO_LONG,
    ErrorCode.NO_SPEECH: voice_pb2.VOICE_ERROR_CODE_NO_SPEECH,
    ErrorCode.UNKNOWN_VOICE: voice_pb2.VOICE_ERROR_CODE_UNKNOWN_VOICE,
    ErrorCode.INVALID_REQUEST: voice_pb2.VOICE_ERROR_CODE_INVALID_REQUEST,
    ErrorCode.UNAVAILABLE: voice_pb2.VOICE_ERROR_CODE_UNAVAILABLE,
    ErrorCode.OVERLOADED: voice_pb2.VOICE_ERROR_CODE_OVERLOADED,
    ErrorCode.INTERNAL: voice_pb2.VOICE_ERROR_CODE_INTERNAL,
}
#: How long a turn may stay open beyond its audio cap before it counts as too long
#: (a caller that stops sending without half-closing).
_IDLE_MARGIN_S = 10.0


def error_to_proto(error: VoiceError) -> voice_pb2.VoiceError:
    return voice_pb2.VoiceError(
        code=_CODES[error.code], message=error.message, retryable=error.retryable
    )


def _check_format(config: voice_pb2.TranscribeConfig) -> None:
    fmt = config.format
    if not config.HasField("format"):
        return  # the documented default: 16 kHz mono PCM16LE
    encoding_ok = fmt.encoding in (
        voice_pb2.AUDIO_ENCODING_PCM16LE,
        voice_pb2.AUDIO_ENCODING_UNSPECIFIED,
    )
    if not encoding_ok or fmt.sample_rate_hz not in (0, SAMPLE_RATE) or fmt.channels not in (0, 1):
        raise VoiceError(
            ErrorCode.INVALID_AUDIO,
            f"unsupported audio format (encoding {fmt.encoding}, {fmt.sample_rate_hz} Hz, "
            f"{fmt.channels} channels): send 16 kHz mono PCM16LE",
        )


def _event_to_proto(event: Partial | Final) -> voice_pb2.TranscribeEvent:
    transcript = voice_pb2.Transcript(text=event.text, start_ms=event.start_ms, end_ms=event.end_ms)
    if isinstance(event, Partial):
        return voice_pb2.TranscribeEvent(partial=transcript)
    timing = voice_pb2.TranscribeTiming(
        audio_ms=event.audio_ms, tail_ms=event.tail_ms, decode_ms=event.decode_ms
    )
    return voice_pb2.TranscribeEvent(final=transcript, timing=timing)


class VoiceServicer:
    def __init__(self, engine: VoiceEngine) -> None:
        self._engine = engine

    def _bind(self, context: Any, request_id: str) -> None:
        # Each call runs in its own task: these ids stay with this call.
        caller = log_context.clean_id(request_id)
        log_context.bind(
            request_id=log_context.request_id_from(context.invocation_metadata())
            or caller
            or log_context.new_request_id()
        )

    async def Transcribe(self, request_iterator: Any, context: Any) -> None:
        """Reads with ``context.read()`` and writes with ``context.write()``
        (not a generator) so that reading audio and decoding run side by side."""
        first = await context.read()
        if first is grpc.aio.EOF:
            return
        config = first.config if first.HasField("config") else None
        self._bind(context, config.request_id if config else "")
        model = (config.model if config else "") or self._engine.default_stt_model
        label = model if self._engine.registry.stt_model(model) else "unknown"
        outcome = "cancelled"
        try:
            if config is None:
                raise VoiceError(
                    ErrorCode.INVALID_REQUEST, "the first message of a turn must carry its config"
                )
            _check_format(config)
            options = TurnOptions(
                model=config.model, language=config.language, hotwords=tuple(config.hotwords)
            )
            async with self._engine.turn(options) as turn:
                final = await self._run_turn(turn, context)
            outcome = "final"
            metrics.STT_TAIL.labels(label).observe(final.tail_ms / 1000)
            metrics.STT_DECODE.labels(label).observe(final.decode_ms / 1000)
            metrics.STT_AUDIO.labels(label).inc(final.audio_ms / 1000)
            log.info(
                "turn transcribed: %d ms of audio, tail %d ms, decoding %d ms",
                final.audio_ms,
                final.tail_ms,
                final.decode_ms,
            )
        except VoiceError as exc:
            outcome = exc.code.value
            metrics.ERRORS.labels("transcribe", exc.code.value).inc()
            log.info("turn ended with %s: %s", exc.code.value, exc.message)
            await context.write(voice_pb2.TranscribeEvent(error=error_to_proto(exc)))
        finally:
            metrics.TRANSCRIBED.labels(label, outcome).inc()

    async def _run_turn(self, turn: Turn, context: Any) -> Final:
        deadline = self._engine.settings.max_turn_s + _IDLE_MARGIN_S

        async def receive() -> None:
            while True:
                request = await context.read()
                if request is grpc.aio.EOF:
                    turn.release()
                    return
                if request.HasField("config"):
                    raise VoiceError(ErrorCode.INVALID_REQUEST, "a turn has one config message")
                turn.feed(request.audio)

        final: Final | None = None
        try:
            async with (
                asyncio.timeout(deadline),
                asyncio.TaskGroup() as group,
                aclosing(turn.transcripts()) as events,
            ):
                group.create_task(receive(), name="transcribe-receive")
                async for event in events:
                    if isinstance(event, Final):
                        final = event
                    await context.write(_event_to_proto(event))
        except* VoiceError as group_error:
            raise group_error.exceptions[0] from None
        except* TimeoutError:
            raise VoiceError(
                ErrorCode.TOO_LONG, f"the turn stayed open longer than {deadline:g} s"
            ) from None
        except* Exception as group_error:
            log.error("transcription failed", exc_info=group_error.exceptions[0])
            raise VoiceError(ErrorCode.INTERNAL, "transcription failed") from None
        assert final is not None
        return final

    async def Synthesize(self, request: voice_pb2.SynthesizeRequest, context: Any) -> None:
        received = time.monotonic()
        self._bind(context, request.request_id)
        voice = request.voice_id or (self._engine.bank.default_voice if self._engine.ready else "")
        label = voice if voice in {v.id for v in self._engine.registry.voices} else "unknown"
        outcome = "cancelled"
        first_audio_ms = 0
        samples = 0
        try:
            state = self._engine.voice_for(request.voice_id, request.text)
            async for chunks in self._engine.synthesize(state, request.text):
                for chunk in chunks:
                    if not first_audio_ms:
                        first_audio_ms = max(1, int((time.monotonic() - received) * 1000))
                        metrics.TTS_FIRST_AUDIO.labels(label).observe(first_audio_ms / 1000)
                    samples += len(chunk) // 2
                    await context.write(
                        voice_pb2.SynthesizeChunk(audio=chunk, format=OUTPUT_FORMAT)
                    )
            await context.write(
                voice_pb2.SynthesizeChunk(
                    format=OUTPUT_FORMAT, last=True, first_audio_ms=first_audio_ms
                )
            )
            outcome = "done"
            metrics.TTS_AUDIO.labels(label).inc(samples / OUTPUT_RATE_HZ)
            log.info(
                "spoke %d characters as %s: %.2f s of audio, first audio after %d ms",
                len(request.text),
                label,
                samples / OUTPUT_RATE_HZ,
                first_audio_ms,
            )
        except VoiceError as exc:
            outcome = exc.code.value
            metrics.ERRORS.labels("synthesize", exc.code.value).inc()
            log.info("synthesis ended with %s: %s", exc.code.value, exc.message)
            await context.write(voice_pb2.SynthesizeChunk(error=error_to_proto(exc)))
        except Exception:
            outcome = ErrorCode.INTERNAL.value
            metrics.ERRORS.labels("synthesize", outcome).inc()
            log.exception("synthesis failed")
            internal = VoiceError(ErrorCode.INTERNAL, "speech synthesis failed")
            await context.write(voice_pb2.SynthesizeChunk(error=error_to_proto(internal)))
        finally:
            metrics.SYNTHESIZED.labels(label, outcome).inc()

    async def ListVoices(
        self, request: voice_pb2.ListVoicesRequest, context: Any
    ) -> voice_pb2.ListVoicesResponse:
        engine = self._engine
        if not engine.ready:
            voices = [
                voice_pb2.Voice(
                    id=voice.id,
                    display_name=voice.label,
                    description=voice.description,
                    engine=voice.engine,
                    sample_rate_hz=OUTPUT_RATE_HZ,
                    available=False,
                    unavailable_reason="the voice models are still loading",
                )
                for voice in engine.registry.voices
            ]
            default = engine.settings.default_voice or engine.registry.default_voice
            return voice_pb2.ListVoicesResponse(voices=voices, default_voice=default)
        return voice_pb2.ListVoicesResponse(
            voices=[
                voice_pb2.Voice(
                    id=state.voice.id,
                    display_name=state.voice.label,
                    description=state.voice.description,
                    engine=state.voice.engine,
                    sample_rate_hz=OUTPUT_RATE_HZ,
                    available=state.available,
                    unavailable_reason=state.unavailable_reason,
                )
                for state in engine.bank.voices()
            ],
            default_voice=engine.bank.default_voice,
        )

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE_NAME,
            {
                "Transcribe": grpc.stream_stream_rpc_method_handler(
                    self.Transcribe,
                    request_deserializer=voice_pb2.TranscribeRequest.FromString,
                    response_serializer=voice_pb2.TranscribeEvent.SerializeToString,
                ),
                "Synthesize": grpc.unary_stream_rpc_method_handler(
                    self.Synthesize,
                    request_deserializer=voice_pb2.SynthesizeRequest.FromString,
                    response_serializer=voice_pb2.SynthesizeChunk.SerializeToString,
                ),
                "ListVoices": grpc.unary_unary_rpc_method_handler(
                    self.ListVoices,
                    request_deserializer=voice_pb2.ListVoicesRequest.FromString,
                    response_serializer=voice_pb2.ListVoicesResponse.SerializeToString,
                ),
            },
        )
