"""Completer port: how the room service asks a model for a reply.

The real adapter calls the chat service over gRPC; its vendor and transport
errors arrive here already translated into CompletionError.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import StrEnum
from typing import Protocol

from chorus.v1 import chat_pb2


class FailureKind(StrEnum):
    """What went wrong with a model, in terms a room member may be told."""

    TIMEOUT = "the model took too long"
    UNAVAILABLE = "the model is unavailable right now"
    RATE_LIMITED = "the model's provider is limiting requests; try again shortly"
    OVERLOADED = "the model is busy; try again shortly"
    TOO_LONG = "the conversation is too long for the model"
    REFUSED = "the model cannot take this request"
    FAILED = "the model failed"


class CompletionError(Exception):
    """A model failed. ``message`` is the detail for logs (it may name hosts
    or quote a provider); members are only ever told ``kind``."""

    def __init__(
        self, message: str, *, kind: FailureKind = FailureKind.FAILED, retryable: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable

    @property
    def timeout(self) -> bool:
        return self.kind is FailureKind.TIMEOUT


#: The chat service's error codes, as failure kinds.
CHAT_FAILURES: dict[int, FailureKind] = {
    chat_pb2.CHAT_ERROR_CODE_TIMEOUT: FailureKind.TIMEOUT,
    chat_pb2.CHAT_ERROR_CODE_PROVIDER_UNAVAILABLE: FailureKind.UNAVAILABLE,
    chat_pb2.CHAT_ERROR_CODE_RATE_LIMITED: FailureKind.RATE_LIMITED,
    chat_pb2.CHAT_ERROR_CODE_OVERLOADED: FailureKind.OVERLOADED,
    chat_pb2.CHAT_ERROR_CODE_CONTEXT_TOO_LONG: FailureKind.TOO_LONG,
    chat_pb2.CHAT_ERROR_CODE_UNKNOWN_MODEL: FailureKind.REFUSED,
    chat_pb2.CHAT_ERROR_CODE_INVALID_REQUEST: FailureKind.REFUSED,
}


class Completer(Protocol):
    def complete(
        self, request: chat_pb2.CompleteRequest
    ) -> AsyncGenerator[chat_pb2.CompleteChunk, None]:
        """Stream chunks; cancelling the iteration stops the model at once."""
        ...

    async def list_models(self) -> chat_pb2.ListModelsResponse: ...

    async def aclose(self) -> None: ...
