"""Voice latency: push-to-talk release → transcript in the room, and release
→ the first audio of the persona's spoken answer at a listening member,
through the whole stack with the default models on this machine.

    .tools/bin/uv run --no-sync python -m benchmarks.voice_latency \
        [--turns 20] [--model qwen2.5-coder-1.5b] [--json out.json]

A speaker and a listener join a room with one persona. Each turn is speech
made with the voice service ("Ada, ...?"), streamed over the speaker's
WebSocket in real time (100 ms frames, as a browser sends them), then
released. Measured at the clients:

- transcript: release → the speaker's Ack (the message is stored);
- first audio: release → the listener's first `replyAudio` frame of the answer;
- listener bytes/s: audio bytes a listener receives per second of speech.

And where the time goes (from the reply's timing marks; one machine, one clock):
transcript stored → model start, model start → first token, first token →
first audio at the listener (the first speakable clause, its synthesis and
the relay). The first turn is cold (the persona's prompt is read once);
medians and p90 are over the warm turns. Starts its own voice, chat, room and
gateway processes on loopback (tests/stack.py) with the committed registries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.stack import ROOT, Stack
from tests.voice_client import speech, talk
from tests.ws_client import Frame, Member, create_room

DEFAULT_REGISTRY = ROOT / "services" / "chat" / "models.toml"
QUESTIONS = [
    "what is the capital of France?",
    "how many legs does a spider have?",
    "what colour is the sky at noon?",
    "name one planet near the sun.",
    "what do bees make?",
    "what is two plus three?",
    "which animal says moo?",
    "what is frozen water called?",
    "how many days are in a week?",
    "what do we call a baby cat?",
    "which season comes after winter?",
    "what is the opposite of hot?",
]

STORIES = ["the sea", "a lighthouse", "the mountains", "a dragon", "the moon", "a lost key"]


@dataclass
class Turn:
    said: str
    heard: str
    transcript_ms: float
    first_audio_ms: float
    stored_to_model_ms: float
    model_to_first_token_ms: float
    first_token_to_audio_ms: float
    prompt_tokens: int
    prompt_tokens_cached: int
    audio_bytes: int
    audio_seconds: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def wall_ms() -> float:
    return time.time() * 1000


async def seen(member: Member, since: int, predicate: Any, within: float) -> Frame:
    """The first frame from ``since`` on that matches: already received, or next."""
    for frame in member.frames[since:]:
        if predicate(frame):
            found: Frame = frame
            return found
    return await member.next(predicate, within)


def arrived_ms(member: Member, frame: Frame) -> float:
    """When ``frame`` reached the member (ms since the epoch)."""
    index = next(i for i, f in enumerate(member.frames) if f is frame)
    return member.arrived[index] * 1000


async def one_turn(speaker: Member, listener: Member, pcm: bytes, said: str) -> Turn | None:
    """One measured turn; None when the persona did not answer (declined)."""
    mark = len(listener.frames)
    ref = await talk(speaker, pcm)
    released = wall_ms()
    answer = await speaker.next(
        lambda f: f.get("ack", {}).get("ref") == ref or f.get("error", {}).get("ref") == ref, 60
    )
    if "ack" not in answer:
        raise RuntimeError(f"turn not heard: {answer}")
    acked = arrived_ms(speaker, answer)
    message_id = answer["ack"]["messageId"]
    message = await seen(
        listener, mark, lambda f: f.get("event", {}).get("message", {}).get("id") == message_id, 60
    )
    heard = message["event"]["message"]["text"]
    started = await seen(
        listener,
        mark,
        lambda f: f.get("event", {}).get("replyStarted", {}).get("inReplyToId") == message_id,
        120,
    )
    reply_id = started["event"]["replyStarted"]["replyId"]

    def audio_of(f: Frame) -> bool:
        audio = f.get("event", {}).get("replyAudio", {})
        return bool(audio.get("replyId") == reply_id and audio.get("pcm"))

    def unanswered(f: Frame) -> bool:
        ended = f.get("event", {}).get("replyEnded", {})
        return bool(
            ended.get("replyId") == reply_id and ended.get("outcome") != "REPLY_OUTCOME_COMPLETED"
        )

    heard_first = await seen(listener, mark, lambda f: audio_of(f) or unanswered(f), 120)
    if unanswered(heard_first):
        return None
    first_audio = arrived_ms(listener, heard_first)
    ended = await seen(
        listener,
        mark,
        lambda f: f.get("event", {}).get("replyEnded", {}).get("replyId") == reply_id,
        300,
    )
    await seen(
        listener,
        mark,
        lambda f: (
            f.get("event", {}).get("replyAudio", {}).get("replyId") == reply_id
            and f["event"]["replyAudio"].get("last", False)
        ),
        300,
    )
    pieces = [
        f["event"]["replyAudio"]
        for f in listener.frames
        if f.get("event", {}).get("replyAudio", {}).get("replyId") == reply_id
    ]
    audio_bytes = sum(len(p.get("pcm", b"")) for p in pieces)
    rate = next((p["sampleRateHz"] for p in pieces if p.get("sampleRateHz")), 1)
    timing = ended["event"]["replyEnded"].get("timing", {})
    received = int(timing.get("receivedAtMs", 0))
    model_start = int(timing.get("modelStartAtMs", 0))
    first_token = int(timing.get("firstTokenAtMs", 0))
    return Turn(
        said=said,
        heard=heard,
        transcript_ms=acked - released,
        first_audio_ms=first_audio - released,
        stored_to_model_ms=model_start - received,
        model_to_first_token_ms=first_token - model_start,
        first_token_to_audio_ms=first_audio - first_token,
        prompt_tokens=int(timing.get("promptTokens", 0)),
        prompt_tokens_cached=int(timing.get("promptTokensCached", 0)),
        audio_bytes=audio_bytes,
        audio_seconds=audio_bytes / 2 / rate,
    )


async def barge_in(speaker: Member, listener: Member, pcm: bytes) -> float | None:
    """Ask for a long answer; once the listener hears it, the speaker presses
    push-to-talk: milliseconds from the press to the listener's
    `speechStopped` (the browser drops its audio at once on it)."""
    mark = len(listener.frames)
    ref = await talk(speaker, pcm)
    answer = await speaker.next(lambda f: f.get("ack", {}).get("ref") == ref, 60)
    message_id = answer["ack"]["messageId"]
    started = await seen(
        listener,
        mark,
        lambda f: f.get("event", {}).get("replyStarted", {}).get("inReplyToId") == message_id,
        120,
    )
    reply_id = started["event"]["replyStarted"]["replyId"]

    def speaking(f: Frame) -> bool:
        audio = f.get("event", {}).get("replyAudio", {})
        return bool(audio.get("replyId") == reply_id and audio.get("pcm"))

    def unanswered(f: Frame) -> bool:
        ended = f.get("event", {}).get("replyEnded", {})
        return bool(
            ended.get("replyId") == reply_id and ended.get("outcome") != "REPLY_OUTCOME_COMPLETED"
        )

    if unanswered(await seen(listener, mark, lambda f: speaking(f) or unanswered(f), 120)):
        return None  # declined: nothing to interrupt
    pressed = wall_ms()
    await speaker.send_frame({"ref": "barge", "voiceStart": {"turnId": f"barge-{reply_id}"}})
    stopped = await listener.next(
        lambda f: reply_id in f.get("event", {}).get("speechStopped", {}).get("replyIds", []), 30
    )
    await speaker.send_frame({"ref": "barge-end", "voiceEnd": {"cancel": True}})
    await seen(
        listener,
        mark,
        lambda f: f.get("event", {}).get("replyEnded", {}).get("replyId") == reply_id,
        300,
    )
    return arrived_ms(listener, stopped) - pressed


async def run(args: argparse.Namespace) -> dict[str, Any]:
    registry = (Path(args.registry) if args.registry else DEFAULT_REGISTRY).read_text()
    stack = Stack(Path(tempfile.mkdtemp(prefix="chorus-voice-")), registry=registry)
    stack.start()
    turns: list[Turn] = []
    barge_ins: list[float] = []
    unanswered = 0
    try:
        persona = {
            "name": "Ada",
            "title": "Quiz host",
            "systemPrompt": "You are Ada, a cheerful quiz host. Answer in one short sentence.",
            "model": args.model,
            "generation": {"maxTokens": args.max_tokens},
        }
        created = await create_room(stack.http, persona, name="Voice latency")
        room_id, invite = created["room"]["id"], created["inviteToken"]
        speaker, listener = Member(stack.ws, room_id), Member(stack.ws, room_id)
        await speaker.join(invite, "Sam")
        await listener.join(invite, "Lee")
        for i in range(args.turns):
            said = f"Ada, {QUESTIONS[i % len(QUESTIONS)]}"
            pcm = await speech(stack, said)
            turn = await one_turn(speaker, listener, pcm, said)
            if turn is None:
                unanswered += 1
                print(f"turn {i + 1:2d}: not answered (declined)", flush=True)
                continue
            turns.append(turn)
            print(
                f"turn {i + 1:2d}: transcript {turn.transcript_ms:5.0f} ms, first audio "
                f"{turn.first_audio_ms:5.0f} ms  | heard {turn.heard!r}",
                flush=True,
            )
            # Let the answer be heard (a new press would cut it: barge-in).
            await asyncio.sleep(min(turn.audio_seconds, 2.0))
        for i in range(args.barge_ins):
            topic = STORIES[i % len(STORIES)]
            long_question = await speech(stack, f"Ada, tell me a long story about {topic}.")
            stopped = await barge_in(speaker, listener, long_question)
            if stopped is None:
                print(f"barge-in {i + 1}: the persona declined; nothing to interrupt")
                continue
            barge_ins.append(stopped)
            print(f"barge-in {i + 1}: speech stopped at the listener after {stopped:.0f} ms")
        await speaker.close()
        await listener.close()
    finally:
        stack.stop()
    return {
        "model": args.model,
        "cpus": os.cpu_count(),
        "turns": [asdict(t) for t in turns],
        "barge_in_ms": barge_ins,
        "unanswered": unanswered,
    }


def table(results: dict[str, Any]) -> str:
    turns = [Turn(**t) for t in results["turns"]]
    warm = turns[1:] or turns
    rows = [
        ("release → transcript stored (Ack)", [t.transcript_ms for t in warm]),
        ("release → first persona audio at a listener", [t.first_audio_ms for t in warm]),
        ("  transcript stored → model start", [t.stored_to_model_ms for t in warm]),
        ("  model start → first token", [t.model_to_first_token_ms for t in warm]),
        ("  first token → first audio at the listener", [t.first_token_to_audio_ms for t in warm]),
    ]
    lines = [
        f"Voice latency, {len(warm)} warm turns (+1 cold), model {results['model']}, "
        f"{results['cpus']} CPUs",
        "",
        "| measure | median ms | p90 ms |",
        "|---|---:|---:|",
    ]
    for name, values in rows:
        lines.append(
            f"| {name} | {statistics.median(values):.0f} | {percentile(values, 0.9):.0f} |"
        )
    if results["barge_in_ms"]:
        values = results["barge_in_ms"]
        lines.append(
            f"| press push-to-talk → speech stopped at another member ({len(values)} tries) | "
            f"{statistics.median(values):.0f} | {percentile(values, 0.9):.0f} |"
        )
    cold = turns[0]
    seconds = sum(t.audio_seconds for t in turns)
    byte_rate = sum(t.audio_bytes for t in turns) / seconds if seconds else 0.0
    lines += [
        "",
        f"cold first turn: transcript {cold.transcript_ms:.0f} ms, first audio "
        f"{cold.first_audio_ms:.0f} ms",
        f"a listener receives {byte_rate / 1000:.1f} KB per second of speech",
        f"turns not answered (the persona declined): {results['unanswered']}",
        f"prompt tokens reused (warm median): "
        f"{statistics.median([t.prompt_tokens_cached for t in warm]):.0f} of "
        f"{statistics.median([t.prompt_tokens for t in warm]):.0f}",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=21, help="spoken turns (the first is cold)")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--registry", default="", help="a model registry TOML (default: committed)")
    parser.add_argument("--max-tokens", type=int, default=40)
    parser.add_argument(
        "--barge-ins", type=int, default=5, help="barge-ins measured after the turns"
    )
    parser.add_argument("--json", default="", help="also write the results here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    results["table"] = table(results)
    print(results["table"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
