"""The chat service's one error type, with a code and a retryable flag.

Adapters translate vendor exceptions into `ChatError` at their boundary
(``raise ChatError(...) from exc``); the engine turns it into the stream's
final error chunk. Messages are shown to users: they never carry secrets.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    UNKNOWN_MODEL = "unknown_model"
    INVALID_REQUEST = "invalid_request"
    TIMEOUT = "timeout"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    RATE_LIMITED = "rate_limited"
    CONTEXT_TOO_LONG = "context_too_long"
    PROVIDER_ERROR = "provider_error"
    OVERLOADED = "overloaded"


_RETRYABLE_BY_DEFAULT = frozenset(
    {
        ErrorCode.TIMEOUT,
        ErrorCode.PROVIDER_UNAVAILABLE,
        ErrorCode.RATE_LIMITED,
        ErrorCode.OVERLOADED,
    }
)


class ChatError(Exception):
    """A failure that ends one completion stream."""

    def __init__(self, code: ErrorCode, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = code in _RETRYABLE_BY_DEFAULT if retryable is None else retryable

    def __repr__(self) -> str:
        return f"ChatError({self.code.value!r}, {self.message!r}, retryable={self.retryable})"
