"""Voice port: how the room service hears people and speaks for personas.

The real adapter calls the voice service over gRPC; its transport and
service errors arrive here translated into VoiceFailure.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class VoiceFailureKind(StrEnum):
    """What went wrong, in words a room member may be told."""

    BAD_AUDIO = "the audio was not in the expected format"
    TOO_LONG = "the turn was too long"
    NO_SPEECH = "no speech was heard"
    UNKNOWN_VOICE = "that voice is not available"
    UNAVAILABLE = "voice is unavailable right now"
    OVERLOADED = "voice is busy; try again shortly"
    FAILED = "voice failed"


class VoiceFailure(Exception):
    """``message`` is the detail for logs; members are told ``kind``."""

    def __init__(
        self,
        message: str,
        *,
        kind: VoiceFailureKind = VoiceFailureKind.FAILED,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Heard:
    """The whole turn so far (``final``: all of it)."""

    text: str
    final: bool = False


@dataclass(frozen=True, slots=True)
class Sound:
    """A chunk of speech: PCM16LE mono."""

    pcm: bytes
    sample_rate_hz: int


@dataclass(frozen=True, slots=True)
class VoiceOption:
    id: str
    name: str
    description: str
    available: bool


class Voice(Protocol):
    def transcribe(
        self,
        audio: AsyncIterable[bytes],
        *,
        sample_rate_hz: int,
        hotwords: Sequence[str],
        request_id: str,
    ) -> AsyncGenerator[Heard, None]:
        """Partials while ``audio`` flows, then one final when it ends."""
        ...

    def synthesize(
        self, text: str, voice_id: str, *, request_id: str
    ) -> AsyncGenerator[Sound, None]:
        """Speech for ``text``, chunk by chunk as it is ready."""
        ...

    async def voices(self) -> Sequence[VoiceOption]: ...

    async def aclose(self) -> None: ...
