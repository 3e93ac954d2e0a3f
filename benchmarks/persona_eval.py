"""Persona evaluation: do personas stay in character through Chorus, beside
the same model called directly with a plain persona prompt?

    .tools/bin/uv run --no-sync python -m benchmarks.persona_eval [--model qwen2.5-coder-1.5b] [--runs 3]

Single-persona probes (`benchmarks/persona_probes.py`): each persona alone in
a room is asked one question by @mention; the same question goes to the chat
service directly with the persona's prompt as the system message. Every
reply is judged by the rule checks of `benchmarks/persona_checks.py`
(answered, no AI talk, no name in front, speaks only for itself, within the
asked length, on topic, no echo). Then two room scenarios: three personas
asked together (`@all`), and a person asking one persona to ask another.
Starts its own chat, room and gateway processes (tests/stack.py) with the
committed model registry. A benchmark, not a test: it prints rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from chorus.v1 import chat_pb2, chat_pb2_grpc

from benchmarks.persona_checks import CHECKS, Context, Probe, Verdict, judge
from benchmarks.persona_probes import (
    PROBES,
    RELAY_QUESTION,
    RELAY_TOPIC,
    ROOM_PERSONAS,
    TOGETHER_QUESTION,
)
from tests.stack import ROOT, Stack
from tests.ws_client import Frame, Member, create_room

DEFAULT_REGISTRY = ROOT / "services" / "chat" / "models.toml"
MAX_TOKENS = 120


@dataclass
class Reply:
    persona: str
    text: str
    outcome: str
    depth: int = 0


@dataclass
class Tally:
    replies: int = 0
    passed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def add(self, who: str, text: str, verdict: Verdict) -> None:
        self.replies += 1
        self.passed += verdict.passed
        self.failures.update(verdict.failed)
        if not verdict.passed and len(self.examples) < 12:
            self.examples.append((who, text[:160], verdict.failed))

    @property
    def rate(self) -> float:
        return self.passed / self.replies if self.replies else 0.0


def persona_spec(probe: Probe, model: str) -> dict[str, Any]:
    return {
        "name": probe.persona,
        "title": probe.title,
        "systemPrompt": probe.system_prompt,
        "model": model,
        "generation": {"maxTokens": MAX_TOKENS},
    }


async def replies_to(member: Member, text: str, expect: int, within: float = 300) -> list[Reply]:
    """Send ``text`` and collect ``expect`` replies (chained ones included)."""
    names = {p["id"]: p["name"] for p in member.welcome["room"]["participants"]}
    await member.say(text)
    depth: dict[str, int] = {}
    stored: dict[str, str] = {}
    out: list[Reply] = []
    while len(out) < expect:
        frame = await member.next(lambda f: "event" in f, within=within)
        event: Frame = frame["event"]
        if "replyStarted" in event:
            depth[event["replyStarted"]["replyId"]] = int(event["replyStarted"].get("depth", 0))
        elif "message" in event:
            stored[event["message"]["id"]] = event["message"].get("text", "")
        elif "replyEnded" in event:
            ended = event["replyEnded"]
            reply_id = ended["replyId"]
            if ended.get("messageSeq"):
                while reply_id not in stored:  # the stored message may come later
                    frame = await member.next(lambda f: "event" in f, within=within)
                    if "message" in frame["event"]:
                        message = frame["event"]["message"]
                        stored[message["id"]] = message.get("text", "")
            out.append(
                Reply(
                    persona=names.get(ended.get("personaId", ""), "?"),
                    text=stored.get(reply_id, ""),
                    outcome=ended.get("outcome", ""),
                    depth=depth.get(reply_id, 0),
                )
            )
    return out


async def through_chorus(stack: Stack, probe: Probe, model: str) -> str:
    created = await create_room(stack.http, persona_spec(probe, model), name="Questions")
    member = Member(stack.ws, created["room"]["id"])
    await member.join(created["inviteToken"], "Sam")
    try:
        (reply,) = await replies_to(member, f"@{probe.persona} {probe.question}", 1)
    finally:
        await member.close()
    return reply.text


async def directly(stub: Any, probe: Probe, model: str) -> str:
    request = chat_pb2.CompleteRequest(
        model=model,
        messages=[
            chat_pb2.ChatMessage(role=chat_pb2.CHAT_ROLE_SYSTEM, content=probe.system_prompt),
            chat_pb2.ChatMessage(
                role=chat_pb2.CHAT_ROLE_USER,
                content=probe.question[:1].upper() + probe.question[1:],
            ),
        ],
        settings=chat_pb2.GenerationSettings(max_tokens=MAX_TOKENS),
    )
    text = ""
    async for chunk in stub.Complete(request):
        if chunk.WhichOneof("chunk") == "text":
            text += chunk.text
    return text.strip()


async def together(stack: Stack, model: str, tally: Tally, declines: Counter[str]) -> None:
    created = await create_room(
        stack.http, *(persona_spec(p, model) for p in ROOM_PERSONAS), name="Bridge club"
    )
    member = Member(stack.ws, created["room"]["id"])
    await member.join(created["inviteToken"], "Sam")
    try:
        replies = await replies_to(member, TOGETHER_QUESTION, len(ROOM_PERSONAS))
    finally:
        await member.close()
    earlier: list[str] = [TOGETHER_QUESTION]
    for reply in replies:
        probe = next(p for p in ROOM_PERSONAS if p.persona == reply.persona)
        if reply.outcome == "REPLY_OUTCOME_DECLINED":
            declines["together"] += 1
            continue
        others = [p.persona for p in ROOM_PERSONAS if p.persona != reply.persona]
        context = Context(asker="Sam", others=others, earlier=earlier[1:])
        room_probe = Probe(
            probe.persona, probe.title, probe.system_prompt, TOGETHER_QUESTION, ("glass", "bridge")
        )
        tally.add(f"@all {reply.persona}", reply.text, judge(room_probe, context, reply.text))
        earlier.append(reply.text)


async def relay(stack: Stack, model: str, results: Counter[str]) -> None:
    """A person asks Ada to ask Rex: does Rex answer Ada's question?"""
    created = await create_room(
        stack.http, *(persona_spec(p, model) for p in ROOM_PERSONAS[:2]), name="Relay"
    )
    member = Member(stack.ws, created["room"]["id"])
    await member.join(created["inviteToken"], "Sam")
    try:
        first = await replies_to(member, RELAY_QUESTION, 1)
        results["asked"] += 1
        if "@rex" not in first[0].text.lower():
            results["Ada did not ask Rex"] += 1
            return
        (answer,) = await replies_to_chain(member)
    except TimeoutError:
        results["Rex never answered"] += 1
        return
    finally:
        await member.close()
    probe = Probe("Rex", "", "", "how long does a stone bridge take to build?", RELAY_TOPIC)
    verdict = judge(probe, Context(asker="Ada", others=["Sam"]), answer.text)
    if verdict.passed:
        results["Rex answered in character"] += 1
    else:
        results[f"Rex answered, failing {', '.join(verdict.failed)}"] += 1


async def replies_to_chain(member: Member) -> list[Reply]:
    """The next reply that a persona's mention started."""
    names = {p["id"]: p["name"] for p in member.welcome["room"]["participants"]}
    stored: dict[str, str] = {}
    while True:
        frame = await member.next(lambda f: "event" in f, within=120)
        event: Frame = frame["event"]
        if "message" in event:
            stored[event["message"]["id"]] = event["message"].get("text", "")
        elif "replyEnded" in event:
            ended = event["replyEnded"]
            reply_id = ended["replyId"]
            while ended.get("messageSeq") and reply_id not in stored:
                frame = await member.next(lambda f: "event" in f, within=60)
                if "message" in frame["event"]:
                    stored[frame["event"]["message"]["id"]] = frame["event"]["message"]["text"]
            return [
                Reply(
                    names.get(ended["personaId"], "?"), stored.get(reply_id, ""), ended["outcome"]
                )
            ]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    registry = (Path(args.registry) if args.registry else DEFAULT_REGISTRY).read_text()
    stack = Stack(Path(tempfile.mkdtemp(prefix="chorus-personas-")), registry=registry)
    stack.start()
    chorus, direct, room = Tally(), Tally(), Tally()
    declines: Counter[str] = Counter()
    relays: Counter[str] = Counter()
    probes = PROBES[: args.probes] if args.probes else PROBES
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.chat_port}") as channel:
            stub = chat_pb2_grpc.ChatServiceStub(channel)
            for run_index in range(args.runs):
                for probe in probes:
                    context = Context(asker="Sam")
                    text = await through_chorus(stack, probe, args.model)
                    chorus.add(probe.persona, text, judge(probe, context, text))
                    if not args.no_direct:
                        text = await directly(stub, probe, args.model)
                        direct.add(probe.persona, text, judge(probe, context, text))
                await together(stack, args.model, room, declines)
                await relay(stack, args.model, relays)
                print(f"run {run_index + 1}/{args.runs} done", flush=True)
    finally:
        stack.stop()
    return {
        "model": args.model,
        "runs": args.runs,
        "probes": len(probes),
        "chorus": summary(chorus),
        "direct": summary(direct),
        "together": summary(room) | {"declined": declines["together"]},
        "relay": dict(relays),
    }


def summary(tally: Tally) -> dict[str, Any]:
    return {
        "replies": tally.replies,
        "in_character": tally.passed,
        "rate": round(tally.rate, 3),
        "failures": dict(tally.failures),
        "examples": tally.examples,
    }


def table(results: dict[str, Any]) -> str:
    rows = [
        "| check | through Chorus | called directly |",
        "|---|---|---|",
        f"| in character (all checks) | {results['chorus']['in_character']}/{results['chorus']['replies']}"
        f" ({results['chorus']['rate']:.0%}) | {results['direct']['in_character']}/"
        f"{results['direct']['replies']} ({results['direct']['rate']:.0%}) |",
    ]
    for check in CHECKS:
        rows.append(
            f"| fails: {check} | {results['chorus']['failures'].get(check, 0)} | "
            f"{results['direct']['failures'].get(check, 0)} |"
        )
    return "\n".join(rows)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--registry", default="", help="a model registry TOML (default: committed)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probes", type=int, default=0, help="only the first N probes")
    parser.add_argument(
        "--no-direct", action="store_true", help="skip the model called directly (faster)"
    )
    parser.add_argument("--json", default="", help="also write the results here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    print(f"model {results['model']}, {results['probes']} probes x {results['runs']} runs")
    print(table(results))
    together_ = results["together"]
    print(
        f"\n@all in a three-persona room: {together_['in_character']}/{together_['replies']} "
        f"replies in character, {together_['declined']} declined; failures {together_['failures']}"
    )
    print(f"person asks Ada to ask Rex: {results['relay']}")
    for label in ("chorus", "direct"):
        print(f"\nexamples of failures ({label}):")
        for who, text, failed in results[label]["examples"]:
            print(f"  {who}: {failed}: {text!r}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
