"""Reply latency: how soon a persona starts answering, against the room's
length and the number of personas, through the whole stack (browser protocol
over WebSocket), beside the same model called directly on a short prompt.

    .tools/bin/uv run --no-sync python -m benchmarks.reply_latency \
        [--model qwen2.5-coder-1.5b] [--lengths 0,50,500,5000] [--personas 1,3] [--json out.json]

For each room (personas x messages already in it) it measures, client side:

- cold: the first @mention in the room (the model reads the whole transcript
  window once);
- warm: later @mentions, one person's message apart (the median of a few);
- moved: the conversation goes on (a few messages, an @mention, a reply)
  until the transcript window moves on: the turn where it moved;
- in turn: with several personas, "@all": the first one's time to first token,
  and for each next one the gap from the previous reply's end to its first
  token (it must read the reply before it).

Beside each: the prompt's tokens and how many the model reused rather than
evaluated (from the reply's `timing`). Starts its own chat, room and gateway
processes on loopback (tests/stack.py) with the committed model registry.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import grpc
from chorus.v1 import chat_pb2, chat_pb2_grpc

from tests.stack import ROOT, Stack
from tests.ws_client import Frame, Member, create_room

DEFAULT_REGISTRY = ROOT / "services" / "chat" / "models.toml"
PERSONAS = [
    (
        "Ada",
        "Historian",
        "You are Ada, a warm historian of the ancient Mediterranean. You love a good "
        "anecdote and you compare everything with Rome. You speak in short sentences.",
    ),
    (
        "Rex",
        "Bridge engineer",
        "You are Rex, a blunt structural engineer who has built bridges on three "
        "continents. You care about loads, costs and what can go wrong.",
    ),
    (
        "Mira",
        "Poet",
        "You are Mira, a playful poet. You notice small details, you like images "
        "more than numbers, and you sometimes answer with a question.",
    ),
]
QUESTIONS = [
    "what would you change about this plan?",
    "which part worries you most?",
    "give me one idea we have not tried yet.",
    "what did the ancients do in a case like this?",
    "how long would it take, honestly?",
    "what is the first thing you would check?",
]
SUBJECTS = [
    "the bridge",
    "the glass deck",
    "the budget",
    "the river crossing",
    "the lanterns",
    "the old quay",
    "the rope walk",
    "the stone piers",
    "the toll house",
    "the ferry",
]
VERBS = ["rebuild", "paint", "inspect", "widen", "light", "measure", "move", "insure", "test"]
ENDINGS = [
    "before the spring floods",
    "by next Friday",
    "once the permits come in",
    "if the council agrees",
    "without closing the road",
    "after the festival",
    "",
]


def chatter(rng: random.Random) -> str:
    """A plausible chat line of 30 to 200 characters."""
    parts = [
        f"I think we should {rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(ENDINGS)}.",
        f"Did anyone look at {rng.choice(SUBJECTS)} again?",
        f"{rng.choice(SUBJECTS).capitalize()} still needs work, and {rng.choice(SUBJECTS)} too.",
        f"We could {rng.choice(VERBS)} it in two stages and see how it goes.",
    ]
    return " ".join(rng.sample(parts, rng.randint(1, 3))).replace(" .", ".")


@dataclass
class Turn:
    label: str
    persona: str
    ttft_ms: float
    prompt_tokens: int
    prompt_tokens_cached: int
    reply: str

    @property
    def evaluated(self) -> int:
        return self.prompt_tokens - self.prompt_tokens_cached


@dataclass
class RoomResult:
    personas: int
    messages: int
    turns: list[Turn] = field(default_factory=list)

    def ttft(self, label: str) -> float | None:
        values = [t.ttft_ms for t in self.turns if t.label == label]
        return statistics.median(values) if values else None


class Room:
    def __init__(self, stack: Stack, personas: int, model: str, max_tokens: int) -> None:
        self.stack = stack
        self.specs = [
            {
                "name": name,
                "title": title,
                "systemPrompt": prompt,
                "model": model,
                "generation": {"maxTokens": max_tokens, "temperature": 0.7},
            }
            for name, title, prompt in PERSONAS[:personas]
        ]
        self.asker: Member | None = None
        self.room_id = ""
        self.invite = ""
        self.seeder_token = ""
        self.seeder_seq = 0

    async def open(self) -> None:
        created = await create_room(self.stack.http, *self.specs, name="Bridge planning")
        self.room_id, self.invite = created["room"]["id"], created["inviteToken"]
        self.asker = Member(self.stack.ws, self.room_id)
        await self.asker.join(self.invite, "Sam")

    async def close(self) -> None:
        if self.asker is not None:
            await self.asker.close()

    async def seed(self, count: int, rng: random.Random) -> None:
        """``count`` messages from Lee, acknowledged, 50 in flight at most,
        while Sam reads them all (a member that stops reading is cut off as a
        slow consumer). Lee connects only to send them, for the same reason."""
        assert self.asker is not None
        asker = self.asker
        lee = Member(self.stack.ws, self.room_id)
        welcome = await lee.join(
            self.invite, "Lee", token=self.seeder_token, after_seq=self.seeder_seq
        )
        self.seeder_token = welcome["participantToken"]
        target = 0

        def caught_up(frame: Frame) -> bool:
            return bool(target) and int(frame.get("event", {}).get("seq", 0)) >= target

        async with asyncio.TaskGroup() as tg:
            reader = tg.create_task(asker.next(caught_up, within=600))
            in_flight = 0
            for _ in range(count):
                await lee.say(chatter(rng))
                in_flight += 1
                if in_flight >= 50:
                    await lee.next(lambda f: "ack" in f, within=60)
                    in_flight -= 1
            while in_flight:
                await lee.next(lambda f: "ack" in f, within=60)
                in_flight -= 1
            target = self.seeder_seq = lee.last_seq
            await lee.close()
            if asker.last_seq >= target:
                reader.cancel()

    async def ask(self, text: str, label: str, expect: int = 1) -> list[Turn]:
        """Send ``text``; return one Turn per reply it triggers, in order: the
        first timed from the send, each next one from the previous one's end."""
        assert self.asker is not None
        asker = self.asker
        names = {p["id"]: p["name"] for p in asker.welcome["room"]["participants"]}
        sent = time.perf_counter()
        client_msg_id = await asker.say(text)
        asked_id = ""
        turns: list[Turn] = []
        previous_end = sent
        ours: set[str] = set()
        first_at: dict[str, float] = {}
        texts: dict[str, str] = {}
        while len(turns) < expect:
            frame = await asker.next(lambda f: "event" in f or "ack" in f, within=600)
            if "ack" in frame:
                if frame["ack"].get("clientMsgId") == client_msg_id:
                    asked_id = frame["ack"]["messageId"]
                continue
            event: Frame = frame["event"]
            if "replyStarted" in event:
                started = event["replyStarted"]
                if started.get("inReplyToId") == asked_id:
                    ours.add(started["replyId"])
            elif "replyDelta" in event and event["replyDelta"]["replyId"] in ours:
                reply_id = event["replyDelta"]["replyId"]
                first_at.setdefault(reply_id, time.perf_counter())
                texts[reply_id] = texts.get(reply_id, "") + event["replyDelta"]["text"]
            elif "replyEnded" in event and event["replyEnded"]["replyId"] in ours:
                ended = event["replyEnded"]
                reply_id = ended["replyId"]
                timing = ended.get("timing", {})
                start = first_at.get(reply_id, time.perf_counter())
                turns.append(
                    Turn(
                        label=label if not turns else f"{label} next",
                        persona=names.get(ended.get("personaId", ""), "?"),
                        ttft_ms=(start - previous_end) * 1000,
                        prompt_tokens=int(timing.get("promptTokens", 0)),
                        prompt_tokens_cached=int(timing.get("promptTokensCached", 0)),
                        reply=texts.get(reply_id, ""),
                    )
                )
                previous_end = time.perf_counter()
        return turns


async def until_the_window_moves(room: Room, rng: random.Random, steps: int) -> list[Turn]:
    """Talk on (three messages, then an @mention) until a prompt is shorter
    than the one before: the window moved. Returns that turn, labelled."""
    previous = 0
    for step in range(steps):
        await room.seed(3, rng)
        (turn,) = await room.ask(f"@Ada {QUESTIONS[step % len(QUESTIONS)]}", "moved")
        if previous and turn.prompt_tokens < previous:
            return [turn]
        previous = turn.prompt_tokens
    return []


async def direct_reference(stack: Stack, model: str, max_tokens: int) -> dict[str, float]:
    """The model called directly on the chat service with a short prompt:
    first a new prompt, then the same system prompt with another question."""
    prompt = PERSONAS[0][2]
    results: dict[str, float] = {}
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.chat_port}") as channel:
        stub = chat_pb2_grpc.ChatServiceStub(channel)
        # Load the model first: the chat service loads it on first use.
        warm_up = chat_pb2.CompleteRequest(
            model=model,
            messages=[chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content="Hi")],
            settings=chat_pb2.GenerationSettings(max_tokens=1),
        )
        async for _ in stub.Complete(warm_up):
            pass
        for label, question in (("cold", "Tell me about Rome."), ("warm", QUESTIONS[0])):
            request = chat_pb2.CompleteRequest(
                model=model,
                messages=[
                    chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_SYSTEM, content=prompt),
                    chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_USER, content=question),
                ],
                settings=chat_pb2.GenerationSettings(max_tokens=max_tokens),
            )
            start = time.perf_counter()
            first = 0.0
            tokens = 0
            async for chunk in stub.Complete(request):
                kind = chunk.WhichOneof("chunk")
                if kind == "text":
                    first = first or time.perf_counter()
                elif kind == "usage":
                    tokens = chunk.usage.completion_tokens
                    results[f"{label}_prompt_tokens"] = chunk.usage.prompt_tokens
            end = time.perf_counter()
            results[f"{label}_ttft_ms"] = (first - start) * 1000
            if label == "warm" and end > first and tokens > 1:
                results["decode_tok_s"] = (tokens - 1) / (end - first)
    return results


async def measure_room(
    stack: Stack, model: str, personas: int, messages: int, args: argparse.Namespace
) -> RoomResult:
    rng = random.Random(messages * 10 + personas)
    room = Room(stack, personas, model, args.max_tokens)
    await room.open()
    result = RoomResult(personas, messages)
    try:
        await room.seed(messages, rng)
        questions = iter(QUESTIONS * 4)
        result.turns += await room.ask(f"@Ada {next(questions)}", "cold")
        for _ in range(args.warm):
            await room.seed(1, rng)
            result.turns += await room.ask(f"@Ada {next(questions)}", "warm")
        if messages >= args.move_after:
            result.turns += await until_the_window_moves(room, rng, args.move_steps)
        if personas > 1:
            await room.seed(1, rng)
            result.turns += await room.ask(f"@all {next(questions)}", "in turn", expect=personas)
    finally:
        await room.close()
    return result


def table(results: Sequence[RoomResult], reference: dict[str, float]) -> str:
    lines = [
        "| personas | messages in room | turn | persona | first token | prompt tokens | reused | evaluated |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for turn in result.turns:
            lines.append(
                f"| {result.personas} | {result.messages} | {turn.label} | {turn.persona} | "
                f"{turn.ttft_ms / 1000:.2f} s | {turn.prompt_tokens} | "
                f"{turn.prompt_tokens_cached} | {turn.evaluated} |"
            )
    lines.append("")
    lines.append(
        f"Same model called directly, short prompt ({int(reference.get('cold_prompt_tokens', 0))}"
        f" tokens): first token {reference.get('cold_ttft_ms', 0) / 1000:.2f} s new, "
        f"{reference.get('warm_ttft_ms', 0) / 1000:.2f} s with its system prompt cached; "
        f"decode {reference.get('decode_tok_s', 0):.1f} tok/s."
    )
    return "\n".join(lines)


def summary(results: Sequence[RoomResult]) -> str:
    """Warm first-token medians by room length, against the empty room."""
    lines = []
    for personas in sorted({r.personas for r in results}):
        rows = [r for r in results if r.personas == personas]
        empty = next((r.ttft("warm") for r in rows if r.messages == 0), None)
        for row in rows:
            warm = row.ttft("warm")
            if warm is None:
                continue
            ratio = f" ({warm / empty:.2f}x the empty room)" if empty else ""
            lines.append(
                f"{personas} persona(s), {row.messages} messages: warm first token "
                f"{warm / 1000:.2f} s{ratio}"
            )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    registry = (Path(args.registry) if args.registry else DEFAULT_REGISTRY).read_text()
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="chorus-latency-")),
        registry=registry,
        # Personas answering each other would queue behind the measured turns.
        extra_env={"CHORUS_ROOM_PERSONA_CHAIN_DEPTH": "0"},
    )
    stack.start()
    try:
        reference = await direct_reference(stack, args.model, args.max_tokens)
        results = [
            await measure_room(stack, args.model, personas, messages, args)
            for personas in args.personas
            for messages in args.lengths
        ]
    finally:
        stack.stop()
    return {
        "model": args.model,
        "cpus": os.cpu_count(),
        "reference": reference,
        "rooms": [
            {"personas": r.personas, "messages": r.messages, "turns": [asdict(t) for t in r.turns]}
            for r in results
        ],
        "table": table(results, reference),
        "summary": summary(results),
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--registry", default="", help="a model registry TOML (default: committed)")
    parser.add_argument("--lengths", default="0,50,500,5000")
    parser.add_argument("--personas", default="1,3")
    parser.add_argument("--warm", type=int, default=3, help="warm @mentions per room")
    parser.add_argument(
        "--move-after", type=int, default=50, help="rooms this long also get a window move"
    )
    parser.add_argument("--move-steps", type=int, default=20, help="most turns to wait for a move")
    parser.add_argument("--max-tokens", type=int, default=40)
    parser.add_argument("--json", default="", help="also write the results here")
    args = parser.parse_args(argv)
    args.lengths = [int(n) for n in args.lengths.split(",")]
    args.personas = [int(n) for n in args.personas.split(",")]
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    print(f"model {results['model']}, {results['cpus']} CPUs")
    print(results["table"])
    print()
    print(results["summary"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
