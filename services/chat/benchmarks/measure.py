"""Measure a model through the chat engine: load, TTFT (cold and warm prefix), tok/s.

    .tools/bin/uv run --no-sync python services/chat/benchmarks/measure.py smollm2-135m
    .tools/bin/uv run --no-sync python services/chat/benchmarks/measure.py qwen2.5-coder-1.5b --turns 4

Uses the committed registry and $CHORUS_MODELS_DIR, like the service.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from chorus_chat.completion import (
    CompletionRequest,
    Failure,
    Message,
    Role,
    Sampling,
    TextDelta,
    Usage,
)
from chorus_chat.config import ChatSettings
from chorus_chat.engine import ChatEngine
from chorus_chat.registry import load_registry

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
    engine: ChatEngine, model: str, history: list[Message], max_tokens: int
) -> tuple[str, Usage, float]:
    request = CompletionRequest(
        model=model,
        messages=(Message(Role.SYSTEM, PERSONA), *history),
        sampling=Sampling(max_tokens=max_tokens, seed=1),
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


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    settings = ChatSettings()
    engine = ChatEngine(load_registry(settings.registry_path), settings)
    started = time.monotonic()
    await engine.warm([args.model])
    print(f"{args.model}: load {time.monotonic() - started:.2f} s")
    history: list[Message] = []
    warm_ttft: list[int] = []
    rates: list[float] = []
    for index, question in enumerate(QUESTIONS[: args.turns]):
        history.append(Message(Role.USER, question))
        text, usage, rate = await _turn(engine, args.model, history, args.max_tokens)
        history.append(Message(Role.ASSISTANT, text))
        label = "cold" if index == 0 else "warm prefix"
        print(
            f"  turn {index + 1} ({label}): prompt {usage.prompt_tokens} tok, "
            f"ttft {usage.time_to_first_token_ms} ms, {usage.completion_tokens} tok at {rate:.1f} tok/s"
        )
        if index:
            warm_ttft.append(usage.time_to_first_token_ms)
        rates.append(rate)
    if warm_ttft:
        print(f"  median warm-prefix ttft {statistics.median(warm_ttft):.0f} ms")
    print(f"  median decode rate {statistics.median(rates):.1f} tok/s")
    await engine.aclose()


if __name__ == "__main__":
    asyncio.run(main())
