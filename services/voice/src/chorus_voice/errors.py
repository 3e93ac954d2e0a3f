"""The voice service's one error type, with a code and a retryable flag.

Adapters translate library exceptions into `VoiceError` at their boundary
(``raise VoiceError(...) from exc``); the servicer turns it into the
stream's error event. Messages are shown to users.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_AUDIO = "invalid_audio"
    TOO_LONG = "too_long"
    NO_SPEECH = "no_speech"
    UNKNOWN_VOICE = "unknown_voice"
    INVALID_REQUEST = "invalid_request"
    UNAVAILABLE = "unavailable"
    OVERLOADED = "overloaded"
    INTERNAL = "internal"


_RETRYABLE_BY_DEFAULT = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.OVERLOADED})


class VoiceError(Exception):
    """A failure that ends one Transcribe or Synthesize stream."""

    def __init__(self, code: ErrorCode, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = code in _RETRYABLE_BY_DEFAULT if retryable is None else retryable

    def __repr__(self) -> str:
        return f"VoiceError({self.code.value!r}, {self.message!r}, retryable={self.retryable})"
