"""One push-to-talk turn, transcribed while the person speaks.

Audio is fed as it arrives. A decode loop re-decodes the turn's open
stretch (everything after the last commit) whenever enough new audio has
come (``partial_interval_s``) or the speech has just paused, and reports
each new reading as a partial transcript. When the caller releases:

* if the last decode already covered all the speech (the person paused,
  then released), its text is the final transcript: nothing is left to do;
* else only the open stretch is decoded once more, at the highest priority.

Long turns commit: once the open stretch passes COMMIT_AFTER_S, the audio up
to its latest pause is decoded one last time and its text kept, so no
decode ever covers more than ~20 s (Whisper's window is 30 s) and each stays
fast. Silence gives NO_SPEECH, never an empty or hallucinated transcript.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import partial

import numpy as np

from chorus_voice.audio import pcm16_to_float
from chorus_voice.errors import ErrorCode, VoiceError
from chorus_voice.stt.base import SAMPLE_RATE, Decoded, SpeechRecognizer
from chorus_voice.stt.vad import FRAME, EnergyVad
from chorus_voice.work import Priority, Worker

#: Open stretches longer than this are committed at their latest pause...
COMMIT_AFTER_S = 12.0
#: ...or, with no pause at all, at their quietest point past this length.
FORCE_COMMIT_AFTER_S = 20.0
#: A pause that may end a committed stretch.
COMMIT_PAUSE_S = 0.3
#: Trailing quiet after speech that counts as "the speech paused": decode now.
PAUSE_TRIGGER_S = 0.2
#: Speech this close to the end of the last decode's audio may have been cut.
EDGE_S = 0.15
#: Words of committed text carried into the next decode's prompt.
PROMPT_WORDS = 40


@dataclass(frozen=True, slots=True)
class Partial:
    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Final:
    text: str
    start_ms: int
    end_ms: int
    audio_ms: int
    tail_ms: int
    decode_ms: int


def _join(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part.strip())


class Turn:
    def __init__(
        self,
        recognizer: SpeechRecognizer,
        worker: Worker,
        *,
        language: str | None,
        hotwords: list[str],
        max_turn_s: float,
        partial_interval_s: float,
        speech_threshold_dbfs: float,
    ) -> None:
        self._recognizer = recognizer
        self._worker = worker
        self._language = language
        self._hotwords = ", ".join(word.strip() for word in hotwords if word.strip())
        self._max_samples = int(max_turn_s * SAMPLE_RATE)
        self._max_turn_s = max_turn_s
        self._interval = int(partial_interval_s * SAMPLE_RATE)
        self._audio = np.zeros(self._max_samples, dtype=np.float32)
        self._received = 0
        self._vad = EnergyVad(speech_threshold_dbfs, self._max_samples)
        self._changed = asyncio.Event()
        self._released_at: float | None = None
        self._committed = ""
        self._commit_at = 0
        # The last decode of the open stretch: the sample it covered up to, and its reading.
        self._last: tuple[int, Decoded] | None = None
        self._decode_s = 0.0

    @property
    def audio_ms(self) -> int:
        return self._received * 1000 // SAMPLE_RATE

    def feed(self, pcm: bytes) -> None:
        """Append PCM16LE mono audio; raises INVALID_AUDIO or TOO_LONG."""
        if self._released_at is not None:
            raise VoiceError(ErrorCode.INVALID_REQUEST, "audio after the end of the turn")
        if len(pcm) % 2:
            raise VoiceError(
                ErrorCode.INVALID_AUDIO,
                f"an audio message of {len(pcm)} bytes: PCM16 audio comes in whole 2-byte samples",
            )
        samples = pcm16_to_float(pcm)
        if self._received + len(samples) > self._max_samples:
            raise VoiceError(
                ErrorCode.TOO_LONG, f"the turn is longer than {self._max_turn_s:g} s of audio"
            )
        self._audio[self._received : self._received + len(samples)] = samples
        self._received += len(samples)
        self._vad.push(samples)
        self._changed.set()

    def release(self) -> None:
        """The person let go of push-to-talk: no more audio."""
        if self._released_at is None:
            self._released_at = time.monotonic()
            self._changed.set()

    def _prompt(self) -> str:
        committed = " ".join(self._committed.split()[-PROMPT_WORDS:])
        if self._hotwords and committed:
            return f"{self._hotwords}. {committed}"
        return f"{self._hotwords}." if self._hotwords else committed

    async def _decode(self, start: int, end: int, priority: Priority) -> Decoded:
        began = time.perf_counter()
        audio = self._audio[start:end].copy()
        try:
            decode = partial(
                self._recognizer.decode, audio, language=self._language, prompt=self._prompt()
            )
            decoded = await self._worker.run(priority, decode)
        finally:
            self._decode_s += time.perf_counter() - began
        if self._language is None and decoded.language:
            self._language = decoded.language  # detected once, kept for the turn
        return decoded

    def _span_ms(self) -> tuple[int, int]:
        span = self._vad.speech_span()
        if span is None:
            return 0, self.audio_ms
        return span[0] * 1000 // SAMPLE_RATE, span[1] * 1000 // SAMPLE_RATE

    def _due(self) -> bool:
        """Whether to decode the open stretch now (not released yet)."""
        end = self._received
        if not self._vad.has_speech(self._commit_at, end):
            return False
        covered = self._last[0] if self._last else self._commit_at
        if end - covered >= self._interval:
            return True
        # The speech just paused and the last decode did not see its end.
        span = self._vad.speech_span()
        quiet = int(PAUSE_TRIGGER_S * SAMPLE_RATE)
        return span is not None and end - span[1] >= quiet and covered < span[1] + FRAME

    async def _commit_if_long(self) -> None:
        end = self._received
        if end - self._commit_at < COMMIT_AFTER_S * SAMPLE_RATE:
            return
        cut = self._vad.latest_pause(
            self._commit_at + 3 * SAMPLE_RATE,
            end - SAMPLE_RATE,
            int(COMMIT_PAUSE_S * SAMPLE_RATE),
        )
        if cut is None:
            if end - self._commit_at < FORCE_COMMIT_AFTER_S * SAMPLE_RATE:
                return
            cut = self._vad.quietest(
                self._commit_at + 10 * SAMPLE_RATE, end - SAMPLE_RATE, self._audio
            )
        decoded = await self._decode(self._commit_at, cut, Priority.PARTIAL)
        if not decoded.looks_silent:
            self._committed = _join(self._committed, decoded.text)
        self._commit_at = cut
        self._last = None

    async def transcripts(self) -> AsyncGenerator[Partial | Final]:
        """Partials while audio comes, then one Final; raises VoiceError (NO_SPEECH...)."""
        shown = ""
        while self._released_at is None:
            if not self._due():
                self._changed.clear()
                await self._changed.wait()
                continue
            await self._commit_if_long()
            end = self._received
            decoded = await self._decode(self._commit_at, end, Priority.PARTIAL)
            self._last = (end, decoded)
            text = _join(self._committed, "" if decoded.looks_silent else decoded.text)
            if text and text != shown and self._released_at is None:
                shown = text
                yield Partial(text, *self._span_ms())
        yield await self._final()

    async def _final(self) -> Final:
        assert self._released_at is not None
        end = self._received
        if not self._vad.has_speech(0, end):
            raise VoiceError(ErrorCode.NO_SPEECH, "no speech was heard")
        last = self._last
        edge = int(EDGE_S * SAMPLE_RATE)
        if last is not None and not self._vad.has_speech(max(0, last[0] - edge), end):
            decoded = last[1]  # it heard everything that was said
        elif self._vad.has_speech(self._commit_at, end):
            decoded = await self._decode(self._commit_at, end, Priority.FINAL)
        else:
            decoded = Decoded("")
        text = _join(self._committed, "" if decoded.looks_silent else decoded.text)
        if not text:
            raise VoiceError(ErrorCode.NO_SPEECH, "no words were recognized")
        start_ms, end_ms = self._span_ms()
        return Final(
            text=text,
            start_ms=start_ms,
            end_ms=end_ms,
            audio_ms=self.audio_ms,
            tail_ms=int((time.monotonic() - self._released_at) * 1000),
            decode_ms=int(self._decode_s * 1000),
        )
