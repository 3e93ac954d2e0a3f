"""Measure a model through the chat engine: load, TTFT (cold and warm prefix), tok/s,
and for a local model how long a cancelled request keeps the next one waiting.

    .tools/bin/uv run --no-sync python services/chat/benchmarks/measure.py smollm2-135m
    .tools/bin/uv run --no-sync python services/chat/benchmarks/measure.py qwen2.5-coder-1.5b --turns 4

Uses the committed registry and $CHORUS_MODELS_DIR, like the service.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator

from chorus_chat.completion import (
    Chunk,
    CompletionRequest,
    Failure,
    Message,
    Role,
    Sampling,
    TextDelta,
    Usage,
)
from chorus_chat.config import ChatSettings
from chorus_chat.engine import ChatEngine, build_provider
from chorus_chat.providers.llama_cpp.job import JobPhase, JobReport
from chorus_chat.providers.llama_cpp.provider import LlamaCppProvider
from chorus_chat.registry import LlamaCppModel, load_registry

PERSONA = (
    "You are Ada Quill, a cheerful historian of the ancient Mediterranean. You speak in "
    "short, warm sentences, you love a good anecdote, and you never mention being an AI. "
    "Answer in at most three sentences."
)
QUESTIONS = [
    "What was daily life like in Rome?",
    "Why did Athens and Sparta fight?",
    "Tell me one surprising fact about Carthage.",
    "What did people eat in ancient Egypt?",
    "Who was the most interesting emperor?",
    "How were the pyramids built?",
]


async def _turn(
    engine: ChatEngine, model: str, history: list[Message], max_tokens: int, request_id: str
) -> tuple[str, Usage, float]:
    request = CompletionRequest(
        model=model,
        messages=(Message(Role.SYSTEM, PERSONA), *history),
        sampling=Sampling(max_tokens=max_tokens, seed=1),
        request_id=request_id,
    )
    started = time.monotonic()
    first: float | None = None
    text = ""
    usage: Usage | None = None
    async for chunk in engine.complete(request, received_at=started):
        if isinstance(chunk, TextDelta):
            first = first or time.monotonic()
            text += chunk.text
        elif isinstance(chunk, Usage):
            usage = chunk
        elif isinstance(chunk, Failure):
            raise SystemExit(f"failed: {chunk}")
    assert usage is not None and first is not None
    decode_s = time.monotonic() - first
    rate = (usage.completion_tokens - 1) / decode_s if decode_s > 0 else 0.0
    return text, usage, rate


def _report(provider: LlamaCppProvider | None, request_id: str) -> JobReport | None:
    if provider is None:
        return None
    jobs = provider.recent_jobs()
    return next((job for job in reversed(jobs) if job.request_id == request_id), None)


async def _first_text_at(chunks: AsyncIterator[Chunk]) -> float:
    async for chunk in chunks:
        if isinstance(chunk, TextDelta):
            return time.monotonic()
        if isinstance(chunk, Failure):
            raise SystemExit(f"failed: {chunk}")
    raise SystemExit("no text")


def _request(model: str, text: str, max_tokens: int, request_id: str) -> CompletionRequest:
    return CompletionRequest(
        model=model,
        messages=(Message(Role.SYSTEM, PERSONA), Message(Role.USER, text)),
        sampling=Sampling(max_tokens=max_tokens, seed=1),
        request_id=request_id,
    )


async def _cancel_latencies(
    engine: ChatEngine, provider: LlamaCppProvider, spec: LlamaCppModel
) -> None:
    """From cancelling a request to the first token of the one queued behind it."""
    model = spec.id
    # Cancelled while replying.
    long = engine.complete(_request(model, "Write a very long story about ships.", 1500, "long"))
    await _first_text_at(long)
    waiting = asyncio.create_task(
        _first_text_at(engine.complete(_request(model, "Hello!", 4, "after-long")))
    )
    await asyncio.sleep(0.2)
    cancelled_at = time.monotonic()
    await long.aclose()
    latency = await waiting - cancelled_at
    report = _report(provider, "long")
    print(
        f"  cancel mid-reply: next first token after {latency * 1000:.0f} ms "
        f"(cancelled job: {report.end if report else '?'}, "
        f"{report.completion_tokens if report else '?'} tok)"
    )

    # Cancelled while evaluating a prompt filling ~3/4 of the context.
    sentence = "The archives of Alexandria held scrolls on every subject. "
    huge = sentence * (spec.context_size * 3 // 4 // 12)
    evaluating = asyncio.create_task(
        _first_text_at(engine.complete(_request(model, huge, 4, "huge")))
    )
    while True:  # the worker thread's state: nothing to await
        if provider.current_phase() is JobPhase.PROMPT:
            break
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.1)  # well into the evaluation
    waiting = asyncio.create_task(
        _first_text_at(engine.complete(_request(model, "Hello!", 4, "after-huge")))
    )
    await asyncio.sleep(0.05)
    cancelled_at = time.monotonic()
    evaluating.cancel()
    latency = await waiting - cancelled_at
    report = _report(provider, "huge")
    aborted = "aborted" if report and report.prompt_aborted else "NOT aborted"
    print(f"  cancel mid-prompt: next first token after {latency * 1000:.0f} ms (prompt {aborted})")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    settings = ChatSettings()
    registry = load_registry(settings.registry_path)
    spec = registry.get(args.model)
    if spec is None:
        raise SystemExit(f"unknown model {args.model!r}")
    # Built here rather than by the engine, to read its job reports.
    provider = build_provider(spec, settings)
    local = provider if isinstance(provider, LlamaCppProvider) else None
    engine = ChatEngine(registry, settings, {spec.id: provider})
    started = time.monotonic()
    await engine.warm([args.model])
    print(f"{args.model}: load {time.monotonic() - started:.2f} s")
    history: list[Message] = []
    warm_ttft: list[int] = []
    rates: list[float] = []
    for index, question in enumerate(QUESTIONS[: args.turns]):
        history.append(Message(Role.USER, question))
        request_id = f"turn-{index + 1}"
        text, usage, rate = await _turn(engine, args.model, history, args.max_tokens, request_id)
        history.append(Message(Role.ASSISTANT, text))
        label = "cold" if index == 0 else "warm prefix"
        report = _report(local, request_id)
        evaluated = f" ({report.prompt_tokens_evaluated} evaluated)" if report else ""
        print(
            f"  turn {index + 1} ({label}): prompt {usage.prompt_tokens} tok{evaluated}, "
            f"ttft {usage.time_to_first_token_ms} ms, {usage.completion_tokens} tok at {rate:.1f} tok/s"
        )
        if index:
            warm_ttft.append(usage.time_to_first_token_ms)
        rates.append(rate)
    if warm_ttft:
        print(f"  median warm-prefix ttft {statistics.median(warm_ttft):.0f} ms")
    print(f"  median decode rate {statistics.median(rates):.1f} tok/s")
    if local is not None and isinstance(spec, LlamaCppModel):
        await _cancel_latencies(engine, local, spec)
    await engine.aclose()


if __name__ == "__main__":
    asyncio.run(main())
