"""A scripted Completer adapter: deterministic model behaviour (streams,
failures, hangs) that a real small model cannot produce on demand. The real
chat service is exercised in the end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from chorus.v1 import chat_pb2
from chorus_room.ports.completer import CompletionError
from chorus_room.ports.store import RoomRecord, Store, StoreError


@dataclass
class Script:
    tokens: list[str] = field(default_factory=lambda: ["Hello", " there", "!"])
    delay_s: float = 0.0
    #: Raise this after the tokens.
    error: CompletionError | None = None
    #: Send this error chunk after the tokens.
    error_chunk: chat_pb2.ChatError | None = None
    #: Never finish (until cancelled).
    hang: bool = False
    finish: chat_pb2.FinishReason = chat_pb2.FINISH_REASON_STOP
    #: Sent before the finish, as a model server reports its counts.
    usage: chat_pb2.Usage | None = None


class ScriptedCompleter:
    def __init__(
        self,
        script: Callable[[chat_pb2.CompleteRequest], Script] | None = None,
        *,
        prefill: bool = False,
    ) -> None:
        self.script = script or (lambda _r: Script())
        #: Whether its model says it accepts a prefill (the continuation layout).
        self.prefill = prefill
        self.requests: list[chat_pb2.CompleteRequest] = []
        self.cancelled = 0

    async def complete(
        self, request: chat_pb2.CompleteRequest
    ) -> AsyncGenerator[chat_pb2.CompleteChunk, None]:
        self.requests.append(request)
        script = self.script(request)
        try:
            for token in script.tokens:
                if script.delay_s:
                    await asyncio.sleep(script.delay_s)
                yield chat_pb2.CompleteChunk(text=token)
            if script.hang:
                await asyncio.Event().wait()
            if script.error is not None:
                raise script.error
            if script.error_chunk is not None:
                yield chat_pb2.CompleteChunk(error=script.error_chunk)
                return
            if script.usage is not None:
                yield chat_pb2.CompleteChunk(usage=script.usage)
            yield chat_pb2.CompleteChunk(finish=script.finish)
        except (asyncio.CancelledError, GeneratorExit):  # cancelled, or closed early
            self.cancelled += 1
            raise

    async def list_models(self) -> chat_pb2.ListModelsResponse:
        return chat_pb2.ListModelsResponse(
            models=[
                chat_pb2.ModelInfo(
                    id="tiny",
                    display_name="Tiny",
                    provider="llama_cpp",
                    available=True,
                    supports_prefill=self.prefill,
                )
            ],
            default_model="tiny",
        )

    async def aclose(self) -> None:
        return None


class FlakyStore:
    """The real SQLite store, made unreachable on demand (``broken``)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.broken = False

    async def get_room(self, room_id: str) -> RoomRecord | None:
        if self.broken:
            raise StoreError("the disk went away")
        return await self.inner.get_room(room_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
