"""The voice service on its own: push-to-talk release -> final transcript,
Synthesize's first audio, real-time factor, and each voice preset's pitch.

    .tools/bin/uv run --no-sync python -m benchmarks.voice_service [--turns 24] [--model whisper-base]

Starts `python -m chorus_voice` on loopback (the models from
$CHORUS_MODELS_DIR; fetch them with `python scripts/fetch_models.py voice`),
makes its spoken turns with Piper, and streams each one in 40 ms frames at
real time, as a browser does, then half-closes (the release). Two kinds of
release: right at the end of the audio Piper made (its own ~0.1-0.2 s of
trailing quiet), and after a further 300 ms of silence (a person letting go
of the button a moment after the last word). Prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

import grpc
from chorus.v1 import voice_pb2, voice_pb2_grpc
from chorus_voice.audio import pcm16_to_float
from chorus_voice.pitch import median_f0_hz
from chorus_voice.testing import speech_pcm16

FRAME_MS = 40
NAMES = ["Ada", "Grace", "Linus"]
UTTERANCES = [
    "Ada, who really invented the telescope?",
    "Grace, can you tell me what time it is in Tokyo right now?",
    "I think we should go to the beach tomorrow, if the weather is nice.",
    "Linus, what do you think about the new plan for the garden?",
    "Okay, thanks.",
    "Ada, what do you think?",
    "Please tell me a short story about a brave little mouse.",
    "How far away is the moon from the earth?",
    "Grace, summarize the last three messages for everyone.",
    "No, that is not what I meant at all.",
    "Could you both explain how a rainbow forms?",
    "What is the capital of Australia?",
    "Let's talk about music for a while.",
    "Linus, please write a short poem about autumn leaves.",
    "I'm not sure, maybe we should ask someone else.",
    "Why is the sky blue during the day?",
    "Tell me a joke about computers.",
    "Ada and Grace, which of you knows more about history?",
    "Good morning everyone, how are you today?",
    "Wait a second, let me think.",
    "Can you recommend a good book for a long train ride?",
    "What happened in the year nineteen sixty nine?",
    "Thank you, that was really helpful.",
    "Grace, do you like jazz or classical music better?",
]
CLAUSE = "Well, I think it was Hans Lippershey,"
PITCH_TEXT = "The quick brown fox jumps over the lazy dog, and then it runs away into the forest."
RATE = 22050


@dataclass
class Turn:
    expected: str
    text: str
    release_to_final_ms: float
    tail_ms: int
    audio_ms: int
    partials: int

    @property
    def word_accuracy(self) -> float:
        want = re.findall(r"[a-z']+", self.expected.lower())
        got = set(re.findall(r"[a-z']+", self.text.lower()))
        return sum(1 for word in want if word in got) / max(1, len(want))


def p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_service(model: str) -> tuple[subprocess.Popen[str], int]:
    env = {
        **os.environ,
        "CHORUS_VOICE_PORT": "0",
        "CHORUS_VOICE_METRICS_PORT": "0",
        "CHORUS_VOICE_STT_MODEL": model,
        "CHORUS_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chorus_voice"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    port = 0
    for line in process.stderr:
        entry = json.loads(line) if line.startswith("{") else {"msg": line}
        message = str(entry.get("msg", ""))
        if "listening on" in message:
            port = int(message.split(":")[-1].split(",")[0])
        if message == "voice service ready":
            break
    else:
        raise SystemExit("the voice service did not start (see its log above)")
    # Keep reading its log so that the pipe never fills.
    threading.Thread(target=_drain, args=(process.stderr,), daemon=True).start()
    return process, port


def _drain(stream: TextIO) -> None:
    for _ in stream:
        pass


async def stream_turn(
    stub: voice_pb2_grpc.VoiceServiceStub, pcm: bytes, expected: str, extra_silence_ms: int
) -> Turn:
    pcm = pcm + b"\x00\x00" * 16 * extra_silence_ms
    call = stub.Transcribe(timeout=60)
    events: list[voice_pb2.TranscribeEvent] = []
    done_at = 0.0

    async def read() -> None:
        nonlocal done_at
        async for event in call:
            events.append(event)
            if event.HasField("final") or event.HasField("error"):
                done_at = time.perf_counter()

    reader = asyncio.create_task(read())
    await call.write(
        voice_pb2.TranscribeRequest(
            config=voice_pb2.TranscribeConfig(language="en", hotwords=NAMES)
        )
    )
    step = FRAME_MS * 32
    began = time.perf_counter()
    for index, offset in enumerate(range(0, len(pcm), step)):
        await call.write(voice_pb2.TranscribeRequest(audio=pcm[offset : offset + step]))
        delay = began + (index + 1) * FRAME_MS / 1000 - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    released = time.perf_counter()
    await call.done_writing()
    await reader
    final = next((e for e in events if e.HasField("final")), None)
    if final is None:
        return Turn(expected, "", (done_at - released) * 1000, 0, 0, 0)
    return Turn(
        expected,
        final.final.text,
        (done_at - released) * 1000,
        final.timing.tail_ms,
        final.timing.audio_ms,
        sum(1 for e in events if e.HasField("partial")),
    )


async def synthesize(
    stub: voice_pb2_grpc.VoiceServiceStub, text: str, voice_id: str
) -> tuple[float, float, bytes]:
    began = time.perf_counter()
    first = 0.0
    audio = bytearray()
    async for chunk in stub.Synthesize(voice_pb2.SynthesizeRequest(text=text, voice_id=voice_id)):
        if chunk.audio and not first:
            first = time.perf_counter() - began
        audio += chunk.audio
    return first, time.perf_counter() - began, bytes(audio)


async def run(args: argparse.Namespace) -> None:
    print(f"making {args.turns} spoken turns with Piper...", flush=True)
    voices = ["joe", "basso", "brisk", "bright"]
    clips = [
        (text, speech_pcm16(text, voice_id=voices[index % len(voices)]))
        for index, text in enumerate((UTTERANCES * 4)[: args.turns])
    ]
    process, port = start_service(args.model)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = voice_pb2_grpc.VoiceServiceStub(channel)
            await stream_turn(stub, clips[0][1], clips[0][0], 0)  # warm up
            rows: list[tuple[str, str]] = []
            for extra in (0, 300):
                turns = [await stream_turn(stub, pcm, text, extra) for text, pcm in clips]
                client = [t.release_to_final_ms for t in turns]
                server = [float(t.tail_ms) for t in turns]
                audio_s = statistics.mean(t.audio_ms for t in turns) / 1000
                accuracy = statistics.mean(t.word_accuracy for t in turns)
                label = "at the last word" if extra == 0 else f"{extra} ms after it"
                rows.append(
                    (
                        f"STT release -> final ({label}; {len(turns)} turns, mean {audio_s:.1f} s)",
                        f"median {statistics.median(client):.0f} ms, p90 {p(client, 0.9):.0f} ms "
                        f"(server tail median {statistics.median(server):.0f}, p90 {p(server, 0.9):.0f}); "
                        f"words right {accuracy:.0%}",
                    )
                )
                if args.verbose:
                    for t in turns:
                        print(
                            f"  {t.release_to_final_ms:5.0f} ms  {t.partials} partials  {t.text!r}"
                        )
            firsts = []
            for _ in range(args.tts_runs):
                first, _, _ = await synthesize(stub, CLAUSE, "joe")
                firsts.append(first * 1000)
            rows.append(
                (
                    f"TTS first audio, a clause ({len(CLAUSE)} chars, {args.tts_runs} runs)",
                    f"median {statistics.median(firsts):.0f} ms, p90 {p(firsts, 0.9):.0f} ms",
                )
            )
            listed = await stub.ListVoices(voice_pb2.ListVoicesRequest())
            for voice in listed.voices:
                _, total, audio = await synthesize(stub, PITCH_TEXT, voice.id)
                samples = pcm16_to_float(audio)
                seconds = len(samples) / RATE
                rows.append(
                    (
                        f"voice {voice.id} ({voice.description})",
                        f"median F0 {median_f0_hz(samples, RATE):.0f} Hz, {seconds:.2f} s of speech, "
                        f"RTF {total / seconds:.3f}, {len(audio) / seconds:,.0f} bytes/s",
                    )
                )
    finally:
        process.terminate()
        process.wait(30)
    width = max(len(name) for name, _ in rows)
    print(f"\nvoice service, STT model {args.model}, {os.cpu_count()} cores\n")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(
        f"\noutput audio: PCM16LE mono {RATE} Hz = {RATE * 2:,} bytes/s per listener "
        "(raw; before any WebSocket framing)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=24)
    parser.add_argument("--tts-runs", type=int, default=10)
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--verbose", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
