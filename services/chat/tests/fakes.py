"""Fake providers: adapters of the Provider port that fail on demand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence

from chorus_chat.completion import CompletionRequest, ProviderChunk
from chorus_chat.errors import ChatError
from chorus_chat.providers.base import Availability

Step = ProviderChunk | ChatError | float  # a float is a pause, in seconds


class ScriptedProvider:
    """Plays a script: yields chunks, raises errors, pauses; records requests."""

    def __init__(
        self,
        script: Sequence[Step],
        *,
        available: bool = True,
        loaded: asyncio.Event | None = None,
        prefill: bool = False,
    ) -> None:
        self.script = list(script)
        self.prefill = prefill
        # warm() waits for this, as a local model does while it loads.
        self.loaded = loaded
        self.requests: list[CompletionRequest] = []
        self.closed_streams = 0
        self.closed = False
        self._available = available

    def availability(self) -> Availability:
        return Availability(self._available, "" if self._available else "scripted: unavailable")

    async def warm(self) -> None:
        if self.loaded is not None:
            await self.loaded.wait()

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[ProviderChunk, None]:
        self.requests.append(request)
        try:
            for step in self.script:
                if isinstance(step, float):
                    await asyncio.sleep(step)
                elif isinstance(step, ChatError):
                    raise step
                else:
                    yield step
        finally:
            self.closed_streams += 1

    async def aclose(self) -> None:
        self.closed = True
