"""Push-to-talk as a browser does it: speech made with the voice service,
as 16 kHz PCM16, streamed over the gateway's WebSocket in real time."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import numpy as np
from chorus.v1 import voice_pb2, voice_pb2_grpc

from .stack import Stack
from .ws_client import Member

RATE = 16_000
FRAME = 3_200  # 100 ms of 16 kHz PCM16


async def speech(stack: Stack, text: str, voice_id: str = "") -> bytes:
    """``text`` said by the voice service's default voice, as 16 kHz PCM16
    with a little silence around it (as a person's push-to-talk would be)."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.voice_port}") as channel:
        stub = voice_pb2_grpc.VoiceServiceStub(channel)
        pcm, rate = b"", 0
        async for chunk in stub.Synthesize(
            voice_pb2.SynthesizeRequest(text=text, voice_id=voice_id)
        ):
            assert chunk.WhichOneof("chunk") != "error", chunk
            pcm += chunk.audio
            rate = chunk.format.sample_rate_hz or rate
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    n = round(len(samples) * RATE / rate)
    resampled = np.interp(np.linspace(0, len(samples) - 1, n), np.arange(len(samples)), samples)
    silence = np.zeros(RATE // 4, dtype=np.float32)
    out = np.concatenate([silence, resampled, silence])
    return out.clip(-32768, 32767).astype("<i2").tobytes()


async def talk(member: Member, pcm: bytes, *, turn_id: str = "", realtime: bool = True) -> str:
    """Hold push-to-talk, stream ``pcm`` as a browser would, release;
    returns the ref of the voiceEnd (its Ack or Error carries it)."""
    turn_id = turn_id or uuid.uuid4().hex[:12]
    await member.send_frame({"ref": f"start-{turn_id}", "voiceStart": {"turnId": turn_id}})
    loop = asyncio.get_running_loop()
    started = loop.time()
    for i in range(0, len(pcm), FRAME):
        if realtime:  # each frame when the microphone would have recorded it
            await asyncio.sleep(max(0.0, started + (i + FRAME) / 2 / RATE - loop.time()))
        await member.send_audio(pcm[i : i + FRAME])
    ref = f"end-{turn_id}"
    await member.send_frame({"ref": ref, "voiceEnd": {}})
    return ref
