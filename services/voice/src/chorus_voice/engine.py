"""What the voice service does, apart from gRPC: its loaded models, its two
worker threads (speech to text, text to speech) and its caps.

``start()`` loads the default STT model, the preloaded ones and every voice
(health is NOT_SERVING until it returns); other STT models load once, at
their first use. A call made before that, or during shutdown, gets
UNAVAILABLE; one over the caps gets OVERLOADED.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from chorus_voice import metrics
from chorus_voice.config import VoiceSettings
from chorus_voice.errors import ErrorCode, VoiceError
from chorus_voice.registry import Registry
from chorus_voice.stt.base import SpeechRecognizer
from chorus_voice.stt.turn import Turn
from chorus_voice.stt.whisper import WhisperRecognizer, resolve_compute_type, resolve_device
from chorus_voice.tts.bank import VoiceBank, VoiceState, speak
from chorus_voice.work import Priority, Worker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TurnOptions:
    model: str = ""
    language: str = ""
    hotwords: tuple[str, ...] = ()


class VoiceEngine:
    def __init__(self, registry: Registry, settings: VoiceSettings) -> None:
        self.registry = registry
        self.settings = settings
        self.device = resolve_device(settings.device)
        self.compute_type = resolve_compute_type(settings.compute_type, self.device)
        self.default_stt_model = settings.stt_model or registry.default_stt_model
        if registry.stt_model(self.default_stt_model) is None:
            raise VoiceError(
                ErrorCode.INVALID_REQUEST,
                f"the STT model {self.default_stt_model!r} is not in the registry",
                retryable=False,
            )
        self._recognizers: dict[str, SpeechRecognizer] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._bank: VoiceBank | None = None
        self._stt = Worker("chorus-stt")
        self._tts = Worker("chorus-tts")
        self._turns = 0
        self._syntheses = 0
        self._closing = False

    @property
    def ready(self) -> bool:
        return self._bank is not None and not self._closing

    @property
    def turns_in_flight(self) -> int:
        return self._turns

    @property
    def bank(self) -> VoiceBank:
        if self._bank is None:
            raise VoiceError(ErrorCode.UNAVAILABLE, "the voice models are still loading")
        return self._bank

    async def start(self) -> None:
        """Load the models (on the worker threads: the event loop keeps serving health)."""
        began = time.perf_counter()
        for model_id in dict.fromkeys([self.default_stt_model, *self.settings.preload_stt_models]):
            await self._recognizer(model_id)
        settings = self.settings
        self._bank = await self._tts.run(
            Priority.BACKGROUND,
            lambda: VoiceBank.load(
                self.registry,
                settings.resolved_models_dir,
                default_voice=settings.default_voice,
                threads=settings.tts_threads,
                use_cuda=self.device == "cuda",
            ),
        )
        log.info(
            "voice models loaded in %.1f s (STT %s on %s/%s; %d voices)",
            time.perf_counter() - began,
            ", ".join(self._recognizers),
            self.device,
            self.compute_type,
            sum(1 for state in self._bank.voices() if state.available),
        )

    async def _recognizer(self, model_id: str) -> SpeechRecognizer:
        found = self._recognizers.get(model_id)
        if found is not None:
            return found
        spec = self.registry.stt_model(model_id)
        if spec is None:
            known = ", ".join(model.id for model in self.registry.stt_models)
            raise VoiceError(
                ErrorCode.INVALID_REQUEST, f"there is no STT model {model_id!r} (known: {known})"
            )
        lock = self._loading.setdefault(model_id, asyncio.Lock())
        async with lock:
            if model_id not in self._recognizers:
                began = time.perf_counter()
                try:
                    recognizer = await self._load_recognizer(model_id)
                except VoiceError as exc:
                    if not (self.settings.device == "auto" and self.device == "cuda"):
                        raise
                    # A GPU without the CUDA libraries CTranslate2 needs: use the CPU.
                    log.warning("cannot use CUDA (%s); falling back to the CPU", exc.message)
                    self.device, self.compute_type = "cpu", resolve_compute_type("auto", "cpu")
                    recognizer = await self._load_recognizer(model_id)
                self._recognizers[model_id] = recognizer
                log.info("STT model %s loaded in %.2f s", model_id, time.perf_counter() - began)
        return self._recognizers[model_id]

    async def _load_recognizer(self, model_id: str) -> SpeechRecognizer:
        spec = self.registry.stt_model(model_id)
        assert spec is not None
        folder = spec.folder(self.settings.resolved_models_dir)
        device, compute_type, threads = self.device, self.compute_type, self.settings.stt_threads
        return await self._stt.run(
            Priority.FINAL,
            lambda: WhisperRecognizer(
                model_id,
                folder,
                device=device,
                compute_type=compute_type,
                cpu_threads=threads,
                beam_size=spec.beam_size,
            ),
        )

    def _check_ready(self) -> None:
        if not self.ready:
            raise VoiceError(
                ErrorCode.UNAVAILABLE,
                "the voice service is shutting down"
                if self._closing
                else "the voice models are still loading",
            )

    @asynccontextmanager
    async def turn(self, options: TurnOptions) -> AsyncIterator[Turn]:
        """A new turn, counted against the cap while the block runs."""
        self._check_ready()
        if self._turns >= self.settings.max_concurrent_turns:
            metrics.REJECTED.labels("transcribe").inc()
            raise VoiceError(
                ErrorCode.OVERLOADED,
                f"{self._turns} turns are being transcribed already; try again shortly",
            )
        self._turns += 1
        metrics.TURNS_IN_FLIGHT.inc()
        try:
            recognizer = await self._recognizer(options.model or self.default_stt_model)
            settings = self.settings
            yield Turn(
                recognizer,
                self._stt,
                language=options.language or None,
                hotwords=list(options.hotwords),
                max_turn_s=settings.max_turn_s,
                partial_interval_s=settings.partial_interval_s,
                speech_threshold_dbfs=settings.speech_threshold_dbfs,
            )
        finally:
            self._turns -= 1
            metrics.TURNS_IN_FLIGHT.dec()

    def voice_for(self, voice_id: str, text: str) -> VoiceState:
        """Check a Synthesize request; returns the voice to speak with."""
        self._check_ready()
        if not text.strip():
            raise VoiceError(ErrorCode.INVALID_REQUEST, "there is no text to speak")
        if len(text) > self.settings.max_text_chars:
            raise VoiceError(
                ErrorCode.INVALID_REQUEST,
                f"the text is longer than {self.settings.max_text_chars} characters",
            )
        return self.bank.state(voice_id)

    async def synthesize(self, state: VoiceState, text: str) -> AsyncIterator[list[bytes]]:
        """Each sentence's audio chunks, as soon as each sentence is spoken."""
        if self._syntheses >= self.settings.max_concurrent_syntheses:
            metrics.REJECTED.labels("synthesize").inc()
            raise VoiceError(
                ErrorCode.OVERLOADED, f"{self._syntheses} syntheses are waiting already"
            )
        self._syntheses += 1
        metrics.SYNTHESES_IN_FLIGHT.inc()
        sentences = speak(state, text)
        try:
            while True:
                chunks = await self._tts.run(Priority.SYNTHESIS, next, sentences, None)
                if chunks is None:
                    return
                yield chunks
        finally:
            self._syntheses -= 1
            metrics.SYNTHESES_IN_FLIGHT.dec()
            # Close the generator on the TTS thread (it may be mid-sentence there).
            await self._tts.run(Priority.FINAL, sentences.close)

    async def aclose(self) -> None:
        self._closing = True
        await asyncio.gather(self._stt.aclose(), self._tts.aclose())
