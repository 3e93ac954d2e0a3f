"""The chat service over real gRPC on 127.0.0.1 with the real SmolLM2 model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from chorus.v1 import chat_pb2, chat_pb2_grpc
from chorus_chat.config import ChatSettings
from chorus_chat.engine import build_provider
from chorus_chat.providers.llama_cpp.job import JobEnd, JobReport
from chorus_chat.providers.llama_cpp.provider import LlamaCppProvider
from chorus_chat.registry import Registry, parse_registry
from chorus_chat.server import ChatServer
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from .conftest import SMOLLM_CONTEXT

pytestmark = [pytest.mark.llama, pytest.mark.asyncio(loop_scope="module")]

# Only a guard against a hang: how fast things happen is measured by
# benchmarks/measure.py, never asserted here.
HANG_GUARD_S = 60.0


def _registry(smollm: Path) -> Registry:
    return parse_registry(
        f"""
default_model = "smollm"

[[models]]
id = "smollm"
display_name = "SmolLM2"
provider = "llama_cpp"
file = "{smollm}"
context_size = {SMOLLM_CONTEXT}
defaults = {{ temperature = 0.7, max_tokens = 24 }}

[[models]]
id = "remote"
provider = "openai"
base_url = "http://127.0.0.1:9/v1"
model = "x"
api_key_env = "CHORUS_TEST_NEVER_SET_KEY"
"""
    )


def _server(smollm_path: Path, settings: ChatSettings) -> tuple[ChatServer, LlamaCppProvider]:
    """A server whose SmolLM2 provider (built as the engine would) the test can inspect."""
    registry = _registry(smollm_path)
    spec = registry.get("smollm")
    assert spec is not None
    smollm = build_provider(spec, settings)
    assert isinstance(smollm, LlamaCppProvider)
    return ChatServer(settings, registry=registry, providers={"smollm": smollm}), smollm


def _report(provider: LlamaCppProvider, request_id: str) -> JobReport:
    return next(job for job in reversed(provider.recent_jobs()) if job.request_id == request_id)


@dataclass
class Running:
    server: ChatServer
    smollm: LlamaCppProvider
    channel: grpc.aio.Channel
    stub: Any


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(smollm_path: Path) -> AsyncIterator[Running]:
    settings = ChatSettings(host="127.0.0.1", port=0, n_threads=2, preload_models=["smollm"])
    server, smollm = _server(smollm_path, settings)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield Running(server, smollm, channel, chat_pb2_grpc.ChatServiceStub(channel))
    await channel.close()
    await server.stop(grace=1.0)


def _request(text: str = "Tell me about Rome.", **kw: Any) -> chat_pb2.CompleteRequest:
    return chat_pb2.CompleteRequest(
        messages=[
            chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_SYSTEM, content="You are Ada."),
            chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content=text),
        ],
        **kw,
    )


async def _chunks(running: Running, request: chat_pb2.CompleteRequest) -> list[Any]:
    return [chunk async for chunk in running.stub.Complete(request)]


async def test_complete_streams_text_then_usage_then_finish(running: Running) -> None:
    started = time.monotonic()
    chunks = await _chunks(running, _request(model="smollm", request_id="t1"))
    call_ms = (time.monotonic() - started) * 1000

    kinds = [chunk.WhichOneof("chunk") for chunk in chunks]
    assert kinds[-2:] == ["usage", "finish"]
    assert set(kinds[:-2]) == {"text"}
    usage = chunks[-2].usage
    assert usage.completion_tokens <= 24  # the registry default max_tokens
    # Measured inside the call (same clock, same process): a part of it, whatever its speed.
    assert 0 < usage.time_to_first_token_ms <= call_ms
    assert chunks[-1].finish in (chat_pb2.FINISH_REASON_STOP, chat_pb2.FINISH_REASON_LENGTH)


async def test_request_settings_override_defaults(running: Running) -> None:
    settings = chat_pb2.GenerationSettings(max_tokens=3)
    chunks = await _chunks(running, _request("Write a long story.", settings=settings))

    assert chunks[-1].finish == chat_pb2.FINISH_REASON_LENGTH
    assert chunks[-2].usage.completion_tokens == 3


@pytest.mark.parametrize(
    ("request_", "code", "retryable"),
    [
        (_request(model="nope"), chat_pb2.CHAT_ERROR_CODE_UNKNOWN_MODEL, False),
        (chat_pb2.CompleteRequest(model="smollm"), chat_pb2.CHAT_ERROR_CODE_INVALID_REQUEST, False),
        (_request(model="remote"), chat_pb2.CHAT_ERROR_CODE_PROVIDER_UNAVAILABLE, False),
    ],
)
async def test_errors_are_one_error_chunk(
    running: Running, request_: chat_pb2.CompleteRequest, code: int, retryable: bool
) -> None:
    chunks = await _chunks(running, request_)

    assert len(chunks) == 1
    assert chunks[0].error.code == code
    assert chunks[0].error.retryable is retryable
    assert chunks[0].error.message


async def test_list_models(running: Running) -> None:
    response = await running.stub.ListModels(chat_pb2.ListModelsRequest())

    assert response.default_model == "smollm"
    models = {model.id: model for model in response.models}
    assert models["smollm"].available
    assert models["smollm"].display_name == "SmolLM2"
    assert models["smollm"].provider == "llama_cpp"
    assert models["smollm"].context_size == SMOLLM_CONTEXT
    assert models["smollm"].defaults.max_tokens == 24
    assert not models["smollm"].defaults.HasField("top_p")
    assert not models["remote"].available
    assert "CHORUS_TEST_NEVER_SET_KEY" in models["remote"].unavailable_reason


async def test_health_is_serving(running: Running) -> None:
    health = health_pb2_grpc.HealthStub(running.channel)
    for service in ("", "chorus.v1.ChatService"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_service(running: Running) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(running.channel)
    call = stub.ServerReflectionInfo()
    await call.write(reflection_pb2.ServerReflectionRequest(list_services=""))
    response = await call.read()
    await call.done_writing()

    names = {service.name for service in response.list_services_response.service}
    assert {"chorus.v1.ChatService", "grpc.health.v1.Health"} <= names


async def test_a_client_cancel_frees_the_model(running: Running) -> None:
    long_call = running.stub.Complete(
        _request(
            "Write a very long story.",
            request_id="long-call",
            settings=chat_pb2.GenerationSettings(max_tokens=1500),
        )
    )
    first = await long_call.read()
    assert first.WhichOneof("chunk") == "text"
    waiting = asyncio.create_task(_chunks(running, _request(request_id="after-long-call")))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # queued behind the long call

    long_call.cancel()
    chunks = await asyncio.wait_for(waiting, HANG_GUARD_S)

    assert [chunk.WhichOneof("chunk") for chunk in chunks][-2:] == ["usage", "finish"]
    assert long_call.cancelled()
    long = _report(running.smollm, "long-call")
    assert long.end is JobEnd.STOPPED
    assert 1 <= long.completion_tokens < 1500


async def _drain(call: Any) -> None:
    while await call.read() is not grpc.aio.EOF:
        pass


async def test_stop_ends_running_streams_after_the_grace(smollm_path: Path) -> None:
    server, smollm = _server(smollm_path, ChatSettings(host="127.0.0.1", port=0, n_threads=2))
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub: Any = chat_pb2_grpc.ChatServiceStub(channel)
        call = stub.Complete(
            _request(
                "Write a long story.",
                request_id="cut-by-stop",
                settings=chat_pb2.GenerationSettings(max_tokens=1500),
            )
        )
        assert (await call.read()).WhichOneof("chunk") == "text"

        await asyncio.wait_for(server.stop(grace=0.3), HANG_GUARD_S)

        # The generation was cut short, not waited for.
        cut = _report(smollm, "cut-by-stop")
        assert cut.end is JobEnd.STOPPED
        assert cut.completion_tokens < 1500
        with pytest.raises(grpc.aio.AioRpcError):
            await _drain(call)
        health = health_pb2_grpc.HealthStub(channel)
        with pytest.raises(grpc.aio.AioRpcError):
            await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
