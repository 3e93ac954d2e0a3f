"""Token relay: a persona's reply seen through the whole stack (browser
protocol over WebSocket) against the same model called directly on the chat
service. Prints time to first token and tokens/s for both.

    .tools/bin/uv run --no-sync python -m benchmarks.token_relay [--model smollm2-135m] [--runs 5]

Starts its own chat, room and gateway processes on loopback (tests/stack.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import grpc
from chorus.v1 import chat_pb2, chat_pb2_grpc, room_pb2
from chorus_room.domain.prompt import RoomContext, build_messages
from google.protobuf import json_format

from tests.stack import REGISTRY, ROOT, Stack
from tests.ws_client import Member, create_room

DEFAULT_REGISTRY = ROOT / "services" / "chat" / "models.toml"
PROMPT = "Explain in a few sentences why the sky is blue."
SYSTEM = "You are Ada, a helpful physicist."
MAX_TOKENS = 64


def same_prompt(welcome: dict[str, object]) -> list[chat_pb2.ChatMessage]:
    """The messages the room service builds for this room's first question."""
    room = json_format.ParseDict(welcome["room"], room_pb2.Room(), ignore_unknown_fields=True)
    you = json_format.ParseDict(welcome["you"], room_pb2.Participant(), ignore_unknown_fields=True)
    ada = next(p for p in room.participants if p.name == "Ada")
    participants = [*room.participants] + (
        [] if any(p.id == you.id for p in room.participants) else [you]
    )
    trigger = room_pb2.Message(author_id=you.id, author_name=you.name, text=f"@Ada {PROMPT}")
    context = RoomContext(name=room.name, description=room.description, participants=participants)
    return build_messages(ada, context, [trigger], may_decline=False)


async def direct(
    stack: Stack, model: str, messages: list[chat_pb2.ChatMessage]
) -> tuple[float, float, int]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.chat_port}") as channel:
        stub = chat_pb2_grpc.ChatServiceStub(channel)
        request = chat_pb2.CompleteRequest(
            model=model,
            messages=messages,
            settings=chat_pb2.GenerationSettings(max_tokens=MAX_TOKENS, temperature=0.0),
        )
        start = time.perf_counter()
        first = 0.0
        chunks = 0
        async for chunk in stub.Complete(request):
            if chunk.WhichOneof("chunk") == "text":
                chunks += 1
                first = first or time.perf_counter()
        end = time.perf_counter()
    return first - start, chunks / (end - first) if end > first else 0.0, chunks


async def relayed(stack: Stack, member: Member) -> tuple[float, float, int]:
    start = time.perf_counter()
    await member.say(f"@Ada {PROMPT}")
    first = 0.0
    deltas = 0
    while True:
        frame = await member.next(lambda f: "event" in f, within=120)
        event = frame["event"]
        if "replyDelta" in event:
            deltas += 1
            first = first or time.perf_counter()
        if "replyEnded" in event:
            end = time.perf_counter()
            break
    return first - start, deltas / (end - first) if end > first else 0.0, deltas


async def main(model: str, runs: int) -> None:
    registry = REGISTRY if model == "smollm2-135m" else DEFAULT_REGISTRY.read_text()
    stack = Stack(Path(tempfile.mkdtemp(prefix="chorus-bench-")), registry=registry)
    stack.start()
    try:
        persona = {
            "name": "Ada",
            "systemPrompt": SYSTEM,
            "model": model,
            "generation": {"maxTokens": MAX_TOKENS, "temperature": 0.0},
        }
        d_runs, r_runs = [], []
        for run in range(runs + 1):  # the first run warms the model and is not counted
            created = await create_room(stack.http, persona)
            member = Member(stack.ws, created["room"]["id"])
            welcome = await member.join(created["inviteToken"], "Bench")
            d = await direct(stack, model, same_prompt(welcome))
            r = await relayed(stack, member)
            await member.close()
            if run:
                d_runs.append(d)
                r_runs.append(r)
    finally:
        stack.stop()

    def show(label: str, rows: list[tuple[float, float, int]]) -> tuple[float, float]:
        ttft = statistics.median(r[0] for r in rows) * 1000
        tps = statistics.median(r[1] for r in rows)
        print(
            f"{label:<28} TTFT median {ttft:7.1f} ms   {tps:6.1f} chunks/s   ({[r[2] for r in rows]} chunks)"
        )
        return ttft, tps

    print(f"model {model}, {runs} runs, max_tokens {MAX_TOKENS}")
    d_ttft, d_tps = show("chat service directly", d_runs)
    r_ttft, r_tps = show("through gateway (WebSocket)", r_runs)
    print(
        f"relay adds {r_ttft - d_ttft:+.1f} ms to the first token (same prompt both ways);"
        f" throughput {100 * r_tps / d_tps:.1f} % of direct"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.model, args.runs))
