"""The synthesizer port: text to audio, one piece (a sentence) at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from chorus_voice.audio import Samples


@dataclass(frozen=True, slots=True)
class Style:
    """How one voice speaks with its model."""

    speaker_id: int | None = None
    length_scale: float = 1.0
    noise_scale: float | None = None
    noise_w_scale: float | None = None


class Synthesizer(Protocol):
    """Blocking: iterated on the service's TTS thread."""

    @property
    def sample_rate(self) -> int: ...

    def speakers(self) -> dict[str, int]:
        """Named speakers of a multi-speaker model (empty for one speaker)."""
        ...

    def synthesize(self, text: str, style: Style) -> Iterator[Samples]:
        """Float32 mono audio at ``sample_rate``, one array per sentence, as each is ready."""
        ...
