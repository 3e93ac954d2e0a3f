"""The speech recognizer port: one blocking decode of a stretch of 16 kHz audio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chorus_voice.audio import Samples

#: The only input rate today (TranscribeConfig documents it).
SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    # The model's belief that the stretch held no speech (0..1).
    no_speech_prob: float = 0.0
    # Mean log probability of the decoded tokens.
    avg_logprob: float = 0.0
    # The language decoded in (detected when none was asked for).
    language: str = ""

    @property
    def looks_silent(self) -> bool:
        """Whisper's own rule: a likely silence that decoded to unlikely text."""
        return not self.text.strip() or (self.no_speech_prob > 0.6 and self.avg_logprob < -1.0)


class SpeechRecognizer(Protocol):
    """Blocking: called from the service's STT thread, one decode at a time."""

    @property
    def model_id(self) -> str: ...

    @property
    def multilingual(self) -> bool: ...

    def decode(self, audio: Samples, *, language: str | None, prompt: str) -> Decoded:
        """Transcribe ``audio`` (float32 at SAMPLE_RATE, at most 30 s).
        ``prompt`` is text that came before it (names, earlier words)."""
        ...
