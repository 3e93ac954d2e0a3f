"""Helpers for tests (this service's and its callers'): a real voice server
on its own thread and event loop, and speech made with Piper.

    with VoiceServerThread() as voice:          # loads the real models
        channel = grpc.aio.insecure_channel(voice.target)
        ...
    pcm = speech_pcm16("Ada, who really invented the telescope?")  # 16 kHz mono PCM16LE

The server runs on its own loop so that any test (with any event loop
scope) can call it; start it once per session: loading the models takes a
few seconds.
"""

from __future__ import annotations

import asyncio
import io
import threading
import wave
from collections.abc import Callable
from concurrent.futures import Future
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from chorus_voice.audio import float_to_pcm16, resample_rate
from chorus_voice.config import VoiceSettings
from chorus_voice.registry import load_registry
from chorus_voice.server import VoiceServer
from chorus_voice.stt.base import SAMPLE_RATE
from chorus_voice.tts.base import Style
from chorus_voice.tts.piper import PiperSynthesizer

#: Seconds the server may take to load its models and start.
START_TIMEOUT_S = 120.0


class VoiceServerThread:
    """``python -m chorus_voice`` in-process: a VoiceServer on 127.0.0.1,
    port 0 unless ``settings`` says otherwise, on a thread of its own."""

    def __init__(self, settings: VoiceSettings | None = None, **overrides: Any) -> None:
        base = settings or VoiceSettings(host="127.0.0.1", port=0, shutdown_grace_s=1.0)
        self.settings = base.model_copy(update=overrides) if overrides else base
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="voice-server")
        self.server = VoiceServer(self.settings)
        self.port = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def call(self, make: Callable[[], Any], timeout: float = START_TIMEOUT_S) -> Any:
        """Run the coroutine ``make()`` on the server's loop; returns its result."""
        future: Future[Any] = asyncio.run_coroutine_threadsafe(make(), self._loop)
        return future.result(timeout)

    def start(self) -> VoiceServerThread:
        self._thread.start()
        try:
            self.port = self.call(self.server.start)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            try:
                self.call(lambda: self.server.stop(0.5), timeout=30)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(30)
        self._loop.close()

    def __enter__(self) -> VoiceServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@cache
def _piper(models_dir: Path, registry_path: Path, voice_id: str) -> tuple[PiperSynthesizer, Style]:
    registry = load_registry(registry_path)
    voice = registry.voice(voice_id or registry.default_voice)
    if voice is None:
        raise KeyError(voice_id)
    synthesizer = PiperSynthesizer(voice.model_path(models_dir), voice.config_path(models_dir))
    return synthesizer, Style(length_scale=voice.length_scale)


def speech_pcm16(
    text: str,
    *,
    settings: VoiceSettings | None = None,
    voice_id: str = "",
    sample_rate: int = SAMPLE_RATE,
) -> bytes:
    """``text`` spoken by a registry voice's Piper model (at its own pitch),
    as mono PCM16LE at ``sample_rate`` (16 kHz: what Transcribe takes)."""
    settings = settings or VoiceSettings()
    synthesizer, style = _piper(settings.resolved_models_dir, settings.registry_path, voice_id)
    import numpy as np

    audio = np.concatenate(list(synthesizer.synthesize(text, style)))
    return float_to_pcm16(resample_rate(audio, synthesizer.sample_rate, sample_rate))


def wav_bytes(pcm16: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A mono PCM16 WAV file of ``pcm16`` (for a browser's fake microphone)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm16)
    return out.getvalue()
