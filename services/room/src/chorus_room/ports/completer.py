"""Completer port: how the room service asks a model for a reply.

The real adapter calls the chat service over gRPC; its vendor and transport
errors arrive here already translated into CompletionError.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from chorus.v1 import chat_pb2


class CompletionError(Exception):
    def __init__(self, message: str, *, timeout: bool = False, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timeout = timeout
        self.retryable = retryable


class Completer(Protocol):
    def complete(
        self, request: chat_pb2.CompleteRequest
    ) -> AsyncGenerator[chat_pb2.CompleteChunk, None]:
        """Stream chunks; cancelling the iteration stops the model at once."""
        ...

    async def list_models(self) -> chat_pb2.ListModelsResponse: ...

    async def aclose(self) -> None: ...
