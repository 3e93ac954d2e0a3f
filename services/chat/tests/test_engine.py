from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from chorus_chat.completion import (
    Chunk,
    CompletionRequest,
    Failure,
    Finish,
    FinishReason,
    Message,
    ProviderDone,
    Role,
    Sampling,
    TextDelta,
    Usage,
)
from chorus_chat.config import ChatSettings
from chorus_chat.engine import ChatEngine
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.registry import parse_registry

from .fakes import ScriptedProvider, Step

REGISTRY = parse_registry(
    """
default_model = "fake"

[[models]]
id = "fake"
provider = "llama_cpp"
file = "none.gguf"
defaults = { temperature = 0.5, max_tokens = 100 }

[[models]]
id = "other"
provider = "openai"
base_url = "http://127.0.0.1:9/v1"
model = "x"
api_key_env = "CHORUS_TEST_NEVER_SET_KEY"
"""
)
HELLO = (Message(Role.USER, "hello"),)


def _engine(script: list[Step], **settings: float) -> tuple[ChatEngine, ScriptedProvider]:
    provider = ScriptedProvider(script)
    engine = ChatEngine(
        REGISTRY,
        ChatSettings(models_dir=Path("/nonexistent"), **settings),  # type: ignore[arg-type]
        {"fake": provider},
    )
    return engine, provider


async def _collect(engine: ChatEngine, request: CompletionRequest) -> list[Chunk]:
    return [chunk async for chunk in engine.complete(request)]


@pytest.mark.asyncio
async def test_success_ends_with_usage_then_finish() -> None:
    engine, _ = _engine(
        [0.02, TextDelta("Hi"), TextDelta(" there"), ProviderDone(FinishReason.STOP, 5, 2)]
    )

    chunks = await _collect(engine, CompletionRequest(model="fake", messages=HELLO))

    assert chunks[:2] == [TextDelta("Hi"), TextDelta(" there")]
    usage, finish = chunks[2:]
    assert isinstance(usage, Usage)
    assert (usage.prompt_tokens, usage.completion_tokens) == (5, 2)
    assert 15 <= usage.time_to_first_token_ms < 1000
    assert finish == Finish(FinishReason.STOP)
    await engine.aclose()


@pytest.mark.asyncio
async def test_empty_model_means_the_default_and_defaults_fill_unset_sampling() -> None:
    engine, provider = _engine([ProviderDone(FinishReason.STOP)])

    await _collect(
        engine, CompletionRequest(model="", messages=HELLO, sampling=Sampling(top_p=0.5))
    )

    (seen,) = provider.requests
    assert seen.model == "fake"
    assert seen.sampling == Sampling(temperature=0.5, top_p=0.5, max_tokens=100)
    assert seen.timeout_s == ChatSettings().request_timeout_s


@pytest.mark.asyncio
async def test_unknown_model_is_one_error_chunk() -> None:
    engine, _ = _engine([])

    chunks = await _collect(engine, CompletionRequest(model="nope", messages=HELLO))

    assert chunks == [Failure(ErrorCode.UNKNOWN_MODEL, "unknown model 'nope'", False)]


@pytest.mark.asyncio
async def test_a_provider_error_after_text_ends_the_stream_with_it() -> None:
    engine, provider = _engine([TextDelta("par"), ChatError(ErrorCode.RATE_LIMITED, "slow down")])

    chunks = await _collect(engine, CompletionRequest(model="fake", messages=HELLO))

    assert chunks == [TextDelta("par"), Failure(ErrorCode.RATE_LIMITED, "slow down", True)]
    assert provider.closed_streams == 1


@pytest.mark.asyncio
async def test_silence_longer_than_the_timeout_is_a_timeout_error() -> None:
    engine, provider = _engine([TextDelta("a"), 5.0, ProviderDone(FinishReason.STOP)])

    chunks = await _collect(engine, CompletionRequest(model="fake", messages=HELLO, timeout_s=0.05))

    assert chunks[0] == TextDelta("a")
    assert isinstance(chunks[1], Failure)
    assert chunks[1].code is ErrorCode.TIMEOUT
    assert chunks[1].retryable
    assert len(chunks) == 2
    assert provider.closed_streams == 1


@pytest.mark.asyncio
async def test_a_stream_that_stops_without_finishing_is_a_provider_error() -> None:
    engine, _ = _engine([TextDelta("a")])

    chunks = await _collect(engine, CompletionRequest(model="fake", messages=HELLO))

    assert isinstance(chunks[-1], Failure)
    assert chunks[-1].code is ErrorCode.PROVIDER_ERROR


@pytest.mark.asyncio
async def test_closing_the_stream_early_closes_the_provider_stream() -> None:
    engine, provider = _engine([TextDelta("a"), 5.0, ProviderDone(FinishReason.STOP)])
    stream = engine.complete(CompletionRequest(model="fake", messages=HELLO))

    assert await anext(stream) == TextDelta("a")
    task = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await stream.aclose()

    assert provider.closed_streams == 1


@pytest.mark.asyncio
async def test_models_report_availability() -> None:
    engine, _ = _engine([])

    entries = {entry.spec.id: entry for entry in engine.models()}

    assert entries["fake"].availability.available
    assert not entries["other"].availability.available
    assert "CHORUS_TEST_NEVER_SET_KEY" in entries["other"].availability.reason
    await engine.aclose()


def test_an_unregistered_default_model_is_refused() -> None:
    with pytest.raises(ChatError, match="not registered"):
        ChatEngine(REGISTRY, ChatSettings(default_model="ghost"))


@pytest.mark.asyncio
async def test_a_prefill_goes_only_to_a_model_that_can_continue_it() -> None:
    engine, provider = _engine([ProviderDone(FinishReason.STOP, 5, 1, 4)])
    request = CompletionRequest(model="fake", messages=HELLO, prefill="Sam: hi\nAda:")

    refused = await _collect(engine, request)
    assert refused == [
        Failure(ErrorCode.INVALID_REQUEST, "fake cannot continue a prefilled reply", False)
    ]
    assert provider.requests == []

    provider.prefill = True
    chunks = await _collect(engine, request)
    assert provider.requests[0].prefill == "Sam: hi\nAda:"
    usage = chunks[0]
    assert isinstance(usage, Usage) and usage.prompt_tokens_cached == 4
    assert [e.prefill for e in engine.models() if e.spec.id == "fake"] == [True]
    await engine.aclose()
