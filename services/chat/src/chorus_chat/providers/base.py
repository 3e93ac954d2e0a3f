"""The port every model backend implements."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Protocol

from chorus_chat.completion import CompletionRequest, ProviderChunk


@dataclass(frozen=True, slots=True)
class Availability:
    available: bool
    reason: str = ""


class Provider(Protocol):
    """Runs completions for one registry model.

    `stream` yields text and tool-call deltas, then exactly one `ProviderDone`;
    it raises `ChatError` on failure. The request's sampling is already merged
    with the model's defaults. Cancelling the consumer (or closing the
    iterator) stops generation at once and frees the model for the next
    request.
    """

    @property
    def prefill(self) -> bool:
        """Whether `stream` accepts a request with a `prefill` (a reply to continue)."""
        ...

    def availability(self) -> Availability: ...

    async def warm(self) -> None:
        """Get ready to serve (load a local model); a no-op for remote ones."""

    def stream(self, request: CompletionRequest) -> AsyncGenerator[ProviderChunk, None]: ...

    async def aclose(self) -> None: ...
