"""The server's life: NOT_SERVING while the models load (calls get
UNAVAILABLE), SERVING after, and metrics for what it served."""

from __future__ import annotations

import grpc
import pytest
from chorus.v1 import voice_pb2, voice_pb2_grpc
from chorus_common.metrics import REGISTRY, sample
from chorus_voice.config import VoiceSettings
from chorus_voice.server import VoiceServer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from .client import transcribe


async def health_of(channel: grpc.aio.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
    return int(response.status)


@pytest.mark.asyncio
async def test_not_serving_until_the_models_are_loaded(settings: VoiceSettings) -> None:
    server = VoiceServer(settings)
    port = await server.start(wait_ready=False)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = voice_pb2_grpc.VoiceServiceStub(channel)
            assert await health_of(channel) == health_pb2.HealthCheckResponse.NOT_SERVING
            assert (
                await health_of(channel, "chorus.v1.VoiceService")
                == health_pb2.HealthCheckResponse.NOT_SERVING
            )
            # Calls meanwhile are told to come back.
            chunks = [c async for c in stub.Synthesize(voice_pb2.SynthesizeRequest(text="Hello."))]
            assert [c.error.code for c in chunks] == [voice_pb2.VOICE_ERROR_CODE_UNAVAILABLE]
            assert chunks[0].error.retryable
            turn = await transcribe(stub, b"\x00\x00" * 1600, realtime=False)
            assert turn.error is not None
            assert turn.error.code == voice_pb2.VOICE_ERROR_CODE_UNAVAILABLE
            listed = await stub.ListVoices(voice_pb2.ListVoicesRequest())
            assert listed.voices and not any(v.available for v in listed.voices)

            await server.ready()

            assert await health_of(channel) == health_pb2.HealthCheckResponse.SERVING
            listed = await stub.ListVoices(voice_pb2.ListVoicesRequest())
            assert all(v.available for v in listed.voices)

            before = sample(
                REGISTRY, "chorus_voice_syntheses_total", {"voice": "joe", "outcome": "done"}
            )
            errors_before = sample(
                REGISTRY,
                "chorus_voice_errors_total",
                {"rpc": "synthesize", "code": "unknown_voice"},
            )
            async for _ in stub.Synthesize(
                voice_pb2.SynthesizeRequest(text="Hello.", voice_id="joe")
            ):
                pass
            async for _ in stub.Synthesize(voice_pb2.SynthesizeRequest(text="Hi.", voice_id="x")):
                pass
            assert (
                sample(
                    REGISTRY, "chorus_voice_syntheses_total", {"voice": "joe", "outcome": "done"}
                )
                == before + 1
            )
            assert (
                sample(
                    REGISTRY,
                    "chorus_voice_errors_total",
                    {"rpc": "synthesize", "code": "unknown_voice"},
                )
                == errors_before + 1
            )
            assert (
                sample(REGISTRY, "chorus_voice_tts_first_audio_seconds_count", {"voice": "joe"})
                >= 1
            )

            # Reflection lists the service.
            reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
            responses = reflection.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            names = [
                s.name
                async for response in responses
                for s in response.list_services_response.service
            ]
            assert "chorus.v1.VoiceService" in names
    finally:
        await server.stop(0)


@pytest.mark.asyncio
async def test_a_registry_voice_whose_model_is_missing_is_listed_unavailable(
    settings: VoiceSettings, tmp_path: pytest.TempPathFactory
) -> None:
    from pathlib import Path

    registry = Path(str(tmp_path)) / "voices.toml"
    registry.write_text(
        settings.registry_path.read_text()
        + '\n[[voices]]\nid = "ghost"\nmodel = "piper/nobody.onnx"\n'
    )
    server = VoiceServer(settings.model_copy(update={"registry_path": registry}))
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = voice_pb2_grpc.VoiceServiceStub(channel)
            listed = await stub.ListVoices(voice_pb2.ListVoicesRequest())
            ghost = next(v for v in listed.voices if v.id == "ghost")
            assert not ghost.available
            assert "nobody.onnx" in ghost.unavailable_reason
            chunks = [
                c
                async for c in stub.Synthesize(
                    voice_pb2.SynthesizeRequest(text="Boo.", voice_id="ghost")
                )
            ]
            assert [c.error.code for c in chunks] == [voice_pb2.VOICE_ERROR_CODE_UNKNOWN_VOICE]
    finally:
        await server.stop(0)
