"""The chat service's metrics, log ids and readiness, over real gRPC on
127.0.0.1 (with scripted providers: exact tokens, errors and slow loads)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc
import pytest
from chorus.v1 import chat_pb2, chat_pb2_grpc
from chorus_chat.completion import FinishReason, ProviderDone, TextDelta
from chorus_chat.config import ChatSettings
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.gate import ModelGate
from chorus_chat.registry import parse_registry
from chorus_chat.server import ChatServer
from chorus_common.metrics import sample
from chorus_common.testing import capture_logs, eventually
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from .fakes import ScriptedProvider, Step

MODELS = parse_registry(
    """
default_model = "fake"

[[models]]
id = "fake"
provider = "llama_cpp"
file = "none.gguf"
"""
)


def value(name: str, **labels: str) -> float:
    return sample(REGISTRY, name, labels)


def _settings(**fields: Any) -> ChatSettings:
    return ChatSettings(host="127.0.0.1", port=0, models_dir=Path("/nonexistent"), **fields)


async def _serve(provider: ScriptedProvider) -> tuple[ChatServer, grpc.aio.Channel]:
    server = ChatServer(_settings(), registry=MODELS, providers={"fake": provider})
    port = await server.start()
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")


def _request(**fields: Any) -> chat_pb2.CompleteRequest:
    message = chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content="hello")
    return chat_pb2.CompleteRequest(messages=[message], **fields)


async def _complete(
    script: Sequence[Step], request: chat_pb2.CompleteRequest, metadata: Any = ()
) -> list[chat_pb2.CompleteChunk]:
    server, channel = await _serve(ScriptedProvider(script))
    try:
        stub: Any = chat_pb2_grpc.ChatServiceStub(channel)
        return [chunk async for chunk in stub.Complete(request, metadata=metadata)]
    finally:
        await channel.close()
        await server.stop(grace=0)


@pytest.mark.asyncio
async def test_a_completion_counts_tokens_times_and_outcome() -> None:
    before = {
        "done": value("chorus_chat_completions_total", model="fake", outcome="stop"),
        "evaluated": value("chorus_chat_prompt_tokens_total", model="fake", source="evaluated"),
        "cached": value("chorus_chat_prompt_tokens_total", model="fake", source="cached"),
        "generated": value("chorus_chat_completion_tokens_total", model="fake"),
        "ttft": value("chorus_chat_time_to_first_token_seconds_count", model="fake"),
        "duration": value("chorus_chat_completion_duration_seconds_count", model="fake"),
    }
    script: list[Step] = [
        TextDelta("Hi"),
        0.02,
        TextDelta(" there"),
        ProviderDone(FinishReason.STOP, 12, 2),
    ]
    chunks = await _complete(script, _request())
    assert chunks[-1].finish == chat_pb2.FINISH_REASON_STOP
    assert (
        value("chorus_chat_completions_total", model="fake", outcome="stop") == before["done"] + 1
    )
    assert (
        value("chorus_chat_prompt_tokens_total", model="fake", source="evaluated")
        == before["evaluated"] + 12
    )
    assert (
        value("chorus_chat_prompt_tokens_total", model="fake", source="cached") == before["cached"]
    )
    assert value("chorus_chat_completion_tokens_total", model="fake") == before["generated"] + 2
    assert (
        value("chorus_chat_time_to_first_token_seconds_count", model="fake") == before["ttft"] + 1
    )
    assert (
        value("chorus_chat_completion_duration_seconds_count", model="fake")
        == before["duration"] + 1
    )
    assert value("chorus_chat_completions_in_flight") == 0


@pytest.mark.asyncio
async def test_errors_are_counted_by_code_and_unknown_models_share_one_label() -> None:
    limited = value("chorus_chat_errors_total", model="fake", code="rate_limited")
    unknown = value("chorus_chat_errors_total", model="unknown", code="unknown_model")
    await _complete([ChatError(ErrorCode.RATE_LIMITED, "slow down")], _request())
    await _complete([], _request(model="no-such-model-" + "x" * 40))
    assert value("chorus_chat_errors_total", model="fake", code="rate_limited") == limited + 1
    assert value("chorus_chat_errors_total", model="unknown", code="unknown_model") == unknown + 1


@pytest.mark.asyncio
async def test_a_cancelled_call_is_counted_as_cancelled() -> None:
    cancelled = value("chorus_chat_completions_total", model="fake", outcome="cancelled")
    server, channel = await _serve(ScriptedProvider([TextDelta("Hi"), 30.0]))
    try:
        stub: Any = chat_pb2_grpc.ChatServiceStub(channel)
        call = stub.Complete(_request())
        assert (await call.read()).text == "Hi"
        assert value("chorus_chat_completions_in_flight") == 1
        call.cancel()
        await eventually(lambda: value("chorus_chat_completions_in_flight") == 0)
    finally:
        await channel.close()
        await server.stop(grace=0)
    after = value("chorus_chat_completions_total", model="fake", outcome="cancelled")
    assert after == cancelled + 1


@pytest.mark.asyncio
async def test_log_lines_carry_the_callers_request_id_and_its_reply_id() -> None:
    script: list[Step] = [TextDelta("Hi"), ProviderDone(FinishReason.STOP, 3, 1)]
    with capture_logs("chat") as logs:
        await _complete(
            script,
            _request(request_id="m-reply-1"),
            metadata=(("x-request-id", "gw-1/c3/r9"),),
        )
        await _complete(script, _request(request_id="m-reply-2"))
    first, second = logs.matching("request m-reply")
    assert (first["request_id"], first["reply_id"], first["model"]) == (
        "gw-1/c3/r9",
        "m-reply-1",
        "fake",
    )
    assert (second["request_id"], second["reply_id"]) == ("m-reply-2", "m-reply-2")


@pytest.mark.asyncio
async def test_not_serving_until_the_preloaded_models_are_loaded() -> None:
    loaded = asyncio.Event()
    server = ChatServer(
        _settings(preload_models=["fake"]),
        registry=MODELS,
        providers={"fake": ScriptedProvider([], loaded=loaded)},
    )
    starting = asyncio.create_task(server.start())
    try:
        await eventually(lambda: server.port is not None)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", "chorus.v1.ChatService"):
                reply = await health.Check(health_pb2.HealthCheckRequest(service=service))
                assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING
            loaded.set()
            await asyncio.wait_for(starting, 5)
            reply = await health.Check(health_pb2.HealthCheckRequest())
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        loaded.set()
        await asyncio.gather(starting, return_exceptions=True)
        await server.stop(grace=0)


@pytest.mark.asyncio
async def test_the_model_gate_reports_its_queue() -> None:
    name = "gate-metrics"
    waits = value("chorus_chat_model_queue_wait_seconds_count", model=name)
    gate = ModelGate(name, capacity=1, max_waiting=1)
    await gate.acquire()  # free: a wait of zero
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0.05)
    assert value("chorus_chat_model_queue_depth", model=name) == 1
    with pytest.raises(ChatError):
        await gate.acquire()
    assert value("chorus_chat_model_queue_rejected_total", model=name) == 1
    gate.release()
    await waiter
    assert value("chorus_chat_model_queue_depth", model=name) == 0
    assert value("chorus_chat_model_queue_wait_seconds_count", model=name) == waits + 2
    assert value("chorus_chat_model_queue_wait_seconds_sum", model=name) >= 0.05
