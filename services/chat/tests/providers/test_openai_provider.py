"""The OpenAI-compatible adapter against a real llama-cpp-python server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from chorus_chat.completion import (
    CompletionRequest,
    FinishReason,
    Message,
    ProviderChunk,
    ProviderDone,
    Role,
    Sampling,
    TextDelta,
    Tool,
    ToolCallDelta,
)
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.providers.openai.provider import OpenAIProvider
from chorus_chat.registry import OpenAIModel

from ..conftest import SERVER_CONTEXT, SERVER_KEY
from ..llama_server import LlamaServer, free_port

pytestmark = [pytest.mark.llama, pytest.mark.asyncio(loop_scope="module")]

KEY_ENV = "CHORUS_TEST_LLAMA_SERVER_KEY"


def _spec(base_url: str, **fields: object) -> OpenAIModel:
    return OpenAIModel.model_validate(
        {
            "id": "remote",
            "provider": "openai",
            "base_url": base_url,
            "model": "smollm",
            "api_key_env": KEY_ENV,
            "max_concurrency": 1,
        }
        | fields
    )


def _provider(base_url: str, key: str | None = SERVER_KEY, **fields: object) -> OpenAIProvider:
    environ = {KEY_ENV: key} if key is not None else {}
    return OpenAIProvider(_spec(base_url, **fields), max_queue_depth=4, environ=environ)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider(server: LlamaServer) -> AsyncIterator[OpenAIProvider]:
    provider = _provider(server.base_url)
    yield provider
    await provider.aclose()


def _request(text: str = "Say hello.", max_tokens: int = 16, **kw: object) -> CompletionRequest:
    return CompletionRequest(
        model="remote",
        messages=(Message(Role.SYSTEM, "You are Ada."), Message(Role.USER, text, name="bob")),
        sampling=Sampling(temperature=0.7, max_tokens=max_tokens, seed=3),
        **kw,  # type: ignore[arg-type]
    )


async def _collect(provider: OpenAIProvider, request: CompletionRequest) -> list[ProviderChunk]:
    return [chunk async for chunk in provider.stream(request)]


async def _error_of(provider: OpenAIProvider, request: CompletionRequest) -> ChatError:
    with pytest.raises(ChatError) as info:
        await _collect(provider, request)
    assert SERVER_KEY not in info.value.message
    return info.value


async def test_streams_text_then_done(provider: OpenAIProvider) -> None:
    chunks = await _collect(provider, _request())

    *deltas, done = chunks
    assert deltas
    assert all(isinstance(delta, TextDelta) for delta in deltas)
    assert isinstance(done, ProviderDone)


async def test_max_tokens_is_respected(provider: OpenAIProvider) -> None:
    chunks = await _collect(provider, _request("Write a very long story.", max_tokens=4))

    done = chunks[-1]
    assert isinstance(done, ProviderDone)
    assert done.reason is FinishReason.LENGTH
    assert len(chunks) - 1 <= 4


async def test_a_forced_tool_call_streams_tool_deltas(provider: OpenAIProvider) -> None:
    tool = Tool(
        "get_weather",
        "Current weather for a city",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    )
    request = CompletionRequest(
        model="remote",
        messages=(Message(Role.USER, "What is the weather in Paris?"),),
        sampling=Sampling(temperature=0.0, max_tokens=30),
        tools=(tool,),
        force_tool="get_weather",
    )

    chunks = await _collect(provider, request)

    calls = [chunk for chunk in chunks if isinstance(chunk, ToolCallDelta)]
    assert calls[0].name == "get_weather"
    assert "".join(call.arguments_delta for call in calls).lstrip().startswith("{")
    assert isinstance(chunks[-1], ProviderDone)


async def test_closing_a_stream_early_frees_its_slot(provider: OpenAIProvider) -> None:
    stream = provider.stream(_request("Write a very long story.", max_tokens=60))
    assert isinstance(await anext(stream), TextDelta)
    await stream.aclose()

    # max_concurrency is 1: this runs only once the closed stream gave its slot back.
    # The timeout only guards against a hang.
    chunks = await asyncio.wait_for(_collect(provider, _request(max_tokens=2)), 60)

    assert isinstance(chunks[-1], ProviderDone)


async def test_a_stream_cut_short_is_a_provider_error(provider: OpenAIProvider) -> None:
    # llama.cpp's server answers a streamed prompt over its context with an
    # empty stream (a non-streamed one gets a 400: see test_openai_errors).
    error = await _error_of(provider, _request("word " * (SERVER_CONTEXT + 50)))

    assert error.code is ErrorCode.PROVIDER_ERROR
    assert "ended the stream early" in error.message


async def test_a_wrong_key_is_a_provider_error_that_hides_the_key(server: LlamaServer) -> None:
    wrong = _provider(server.base_url, key="sk-wrong-key-that-must-not-leak")

    error = await _error_of(wrong, _request())

    assert error.code is ErrorCode.PROVIDER_ERROR
    assert not error.retryable
    assert "sk-wrong" not in error.message
    await wrong.aclose()


async def test_a_missing_key_is_unavailable(server: LlamaServer) -> None:
    keyless = _provider(server.base_url, key=None)

    assert not keyless.availability().available
    error = await _error_of(keyless, _request())

    assert error.code is ErrorCode.PROVIDER_UNAVAILABLE
    assert KEY_ENV in error.message
    await keyless.aclose()


async def test_an_unknown_path_is_a_non_retryable_provider_error(server: LlamaServer) -> None:
    lost = _provider(f"http://127.0.0.1:{server.port}/not-an-api/v1")

    error = await _error_of(lost, _request())

    assert error.code is ErrorCode.PROVIDER_ERROR
    assert "404" in error.message
    assert not error.retryable
    await lost.aclose()


async def test_an_unreachable_server_is_unavailable_and_retryable() -> None:
    nobody = _provider(f"http://127.0.0.1:{free_port()}/v1")

    error = await _error_of(nobody, _request())

    assert error.code is ErrorCode.PROVIDER_UNAVAILABLE
    assert error.retryable
    await nobody.aclose()


async def test_a_tiny_timeout_is_a_retryable_timeout(provider: OpenAIProvider) -> None:
    error = await _error_of(provider, _request(timeout_s=0.001))

    assert error.code is ErrorCode.TIMEOUT
    assert error.retryable
