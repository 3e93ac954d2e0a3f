"""The llama.cpp adapter against the real SmolLM2-135M file.

SmolLM2 rambles, so these tests assert behaviour (streaming, limits,
cancellation, fairness), never wording. One loaded model serves the module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

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
from chorus_chat.providers.llama_cpp.job import JobEnd, JobPhase, JobReport
from chorus_chat.providers.llama_cpp.provider import LlamaCppProvider
from chorus_chat.registry import LlamaCppModel

from ..conftest import SMOLLM_CONTEXT

pytestmark = [pytest.mark.llama, pytest.mark.asyncio(loop_scope="module")]

# Only a guard against a hang: how fast things happen is measured by
# benchmarks/measure.py, never asserted here.
HANG_GUARD_S = 60.0
PERSONA = "You are Ada, a cheerful historian. Answer in one short paragraph."


def _spec(path: Path, **fields: object) -> LlamaCppModel:
    return LlamaCppModel.model_validate(
        {
            "id": "smollm",
            "provider": "llama_cpp",
            "file": str(path),
            "context_size": SMOLLM_CONTEXT,
        }
        | fields
    )


def _request(
    text: str = "Tell me about Rome.", max_tokens: int = 24, **kw: object
) -> CompletionRequest:
    return CompletionRequest(
        model="smollm",
        messages=(Message(Role.SYSTEM, PERSONA), Message(Role.USER, text)),
        sampling=Sampling(temperature=0.7, max_tokens=max_tokens, seed=7),
        **kw,  # type: ignore[arg-type]
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider(smollm_path: Path) -> AsyncIterator[LlamaCppProvider]:
    provider = LlamaCppProvider(
        _spec(smollm_path), models_dir=Path("/"), n_threads=2, max_queue_depth=4
    )
    await provider.warm()
    yield provider
    await provider.aclose()


async def _collect(provider: LlamaCppProvider, request: CompletionRequest) -> list[ProviderChunk]:
    return [chunk async for chunk in provider.stream(request)]


def _report(provider: LlamaCppProvider, request_id: str) -> JobReport:
    return next(job for job in reversed(provider.recent_jobs()) if job.request_id == request_id)


async def _until_phase(provider: LlamaCppProvider, phase: JobPhase) -> None:
    """Poll: the phase is the worker thread's, with no event to await."""
    async with asyncio.timeout(HANG_GUARD_S):
        while True:
            if provider.current_phase() is phase:
                return
            await asyncio.sleep(0.005)


async def test_streams_text_then_one_done(provider: LlamaCppProvider) -> None:
    chunks = await _collect(provider, _request(max_tokens=16))

    *deltas, done = chunks
    assert deltas
    assert all(isinstance(delta, TextDelta) and delta.text for delta in deltas)
    assert isinstance(done, ProviderDone)
    assert done.prompt_tokens > 10
    assert 1 <= done.completion_tokens <= 16


async def test_max_tokens_is_respected(provider: LlamaCppProvider) -> None:
    chunks = await _collect(
        provider, _request("Write a very long story about ships.", max_tokens=5)
    )

    done = chunks[-1]
    assert isinstance(done, ProviderDone)
    assert done.reason is FinishReason.LENGTH
    assert done.completion_tokens == 5
    assert 1 <= len(chunks) - 1 <= 5


async def test_the_shared_prefix_is_reused(provider: LlamaCppProvider) -> None:
    # Starts unlike PERSONA, so the first request shares no prefix with earlier tests.
    long_persona = "Livia is your name. " + "You know a great deal about Roman roads." * 20

    def request(text: str, request_id: str) -> CompletionRequest:
        return CompletionRequest(
            model="smollm",
            messages=(Message(Role.SYSTEM, long_persona), Message(Role.USER, text)),
            sampling=Sampling(max_tokens=1),
            request_id=request_id,
        )

    await _collect(provider, request("Hello!", "prefix-cold"))
    await _collect(provider, request("And the bridges?", "prefix-warm"))

    cold, warm = _report(provider, "prefix-cold"), _report(provider, "prefix-warm")
    assert cold.prompt_tokens > 200
    assert cold.prompt_tokens_evaluated > cold.prompt_tokens * 9 // 10
    # Only the new user turn is evaluated; the persona comes from the KV cache.
    assert warm.prompt_tokens > 200
    assert 0 < warm.prompt_tokens_evaluated < 20


async def test_cancelling_a_stream_frees_the_model_for_the_next_request(
    provider: LlamaCppProvider,
) -> None:
    long_stream = provider.stream(
        _request("Write a very long story about ships.", max_tokens=1500, request_id="long")
    )
    assert isinstance(await anext(long_stream), TextDelta)
    waiting = asyncio.create_task(_collect(provider, _request(max_tokens=4, request_id="next")))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # queued behind the long stream

    await long_stream.aclose()
    chunks = await asyncio.wait_for(waiting, HANG_GUARD_S)

    assert isinstance(chunks[-1], ProviderDone)
    long = _report(provider, "long")
    assert long.end is JobEnd.STOPPED
    assert 1 <= long.completion_tokens < 1500
    assert _report(provider, "next").end is JobEnd.FINISHED


async def test_cancelling_during_the_prompt_stops_the_evaluation(
    provider: LlamaCppProvider,
) -> None:
    # ~1.8k tokens: seconds of prompt evaluation on a 2-core machine.
    huge = "The archives of Alexandria held scrolls on every subject. " * 150
    evaluating = asyncio.create_task(
        _collect(provider, _request(huge, max_tokens=4, request_id="huge"))
    )
    await _until_phase(provider, JobPhase.PROMPT)
    waiting = asyncio.create_task(_collect(provider, _request(max_tokens=4, request_id="after")))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # queued behind the prompt

    evaluating.cancel()
    chunks = await asyncio.wait_for(waiting, HANG_GUARD_S)

    assert evaluating.cancelled()
    assert isinstance(chunks[-1], ProviderDone)
    huge_job = _report(provider, "huge")
    assert huge_job.end is JobEnd.STOPPED
    assert huge_job.prompt_aborted
    assert huge_job.prompt_tokens_evaluated == 0
    assert huge_job.completion_tokens == 0
    assert _report(provider, "after").end is JobEnd.FINISHED


async def test_queued_requests_run_in_arrival_order(provider: LlamaCppProvider) -> None:
    holder = provider.stream(_request(max_tokens=1500))
    await anext(holder)
    order: list[str] = []

    async def run(name: str) -> None:
        async for chunk in provider.stream(_request(max_tokens=2)):
            if isinstance(chunk, ProviderDone):
                order.append(name)

    async with asyncio.TaskGroup() as group:
        for name in ("b", "c", "d"):
            group.create_task(run(name))
            await asyncio.sleep(0.02)
        await holder.aclose()

    assert order == ["b", "c", "d"]


async def test_too_many_waiting_is_overloaded(provider: LlamaCppProvider) -> None:
    holder = provider.stream(_request(max_tokens=1500))
    await anext(holder)
    waiters = [asyncio.create_task(_collect(provider, _request(max_tokens=1))) for _ in range(4)]
    await asyncio.sleep(0.05)

    with pytest.raises(ChatError) as info:
        await _collect(provider, _request(max_tokens=1))

    assert info.value.code is ErrorCode.OVERLOADED
    assert info.value.retryable
    await holder.aclose()
    await asyncio.gather(*waiters)


async def test_a_forced_tool_call_streams_tool_deltas(provider: LlamaCppProvider) -> None:
    tool = Tool(
        "get_weather",
        "Current weather for a city",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    )
    request = CompletionRequest(
        model="smollm",
        messages=(Message(Role.USER, "What is the weather in Paris?"),),
        sampling=Sampling(temperature=0.0, max_tokens=40),
        tools=(tool,),
        force_tool="get_weather",
    )

    chunks = await _collect(provider, request)

    calls = [chunk for chunk in chunks if isinstance(chunk, ToolCallDelta)]
    assert calls[0].name == "get_weather"
    assert calls[0].id
    assert all(call.index == 0 and not call.name for call in calls[1:])
    arguments = "".join(call.arguments_delta for call in calls)
    assert arguments.lstrip().startswith("{")
    done = chunks[-1]
    assert isinstance(done, ProviderDone)
    assert done.reason in (FinishReason.TOOL_CALLS, FinishReason.LENGTH)


async def test_a_prompt_over_the_context_is_context_too_long(provider: LlamaCppProvider) -> None:
    huge = "word " * (SMOLLM_CONTEXT + 100)

    with pytest.raises(ChatError) as info:
        await _collect(provider, _request(huge))

    assert info.value.code is ErrorCode.CONTEXT_TOO_LONG
    assert not info.value.retryable
    # The model still works afterwards.
    assert isinstance((await _collect(provider, _request(max_tokens=2)))[-1], ProviderDone)


async def test_a_missing_file_is_unavailable(tmp_path: Path) -> None:
    missing = LlamaCppProvider(_spec(tmp_path / "absent.gguf"), models_dir=tmp_path)

    assert not missing.availability().available
    with pytest.raises(ChatError) as info:
        await _collect(missing, _request())

    assert info.value.code is ErrorCode.PROVIDER_UNAVAILABLE
    assert "fetch_models" in info.value.message
    await missing.aclose()
