"""Completer over gRPC to the chat service.

When the chat service restarts, a reply waits (up to `connect_wait_s`) for it
to be back rather than failing at once with a stale "connection refused";
reconnect backoff is capped at a second, so it is noticed within about one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import grpc
from chorus.v1 import chat_pb2, chat_pb2_grpc
from chorus_common.context import outgoing_metadata

from chorus_room.ports.completer import CompletionError, FailureKind

_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}
_KINDS = {
    grpc.StatusCode.UNAVAILABLE: FailureKind.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: FailureKind.TIMEOUT,
    grpc.StatusCode.RESOURCE_EXHAUSTED: FailureKind.OVERLOADED,
}


#: Reconnect quickly after the chat service comes back (gRPC's default backoff
#: grows to two minutes).
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 1000),
]


class GrpcCompleter:
    def __init__(self, target: str, *, connect_wait_s: float = 10.0) -> None:
        self._channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
        self._stub = chat_pb2_grpc.ChatServiceStub(self._channel)
        self._connect_wait_s = connect_wait_s

    async def _connected(self) -> None:
        try:
            async with asyncio.timeout(self._connect_wait_s):
                await self._channel.channel_ready()
        except TimeoutError:
            raise CompletionError(
                f"chat service: not reachable within {self._connect_wait_s:g} s",
                kind=FailureKind.UNAVAILABLE,
                retryable=True,
            ) from None

    async def complete(
        self, request: chat_pb2.CompleteRequest
    ) -> AsyncGenerator[chat_pb2.CompleteChunk, None]:
        await self._connected()
        call = self._stub.Complete(request, metadata=outgoing_metadata(), wait_for_ready=True)
        try:
            async for chunk in call:
                yield chunk
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            raise CompletionError(
                f"chat service: {code.name.lower()}: {exc.details() or ''}".strip(),
                kind=_KINDS.get(code, FailureKind.FAILED),
                retryable=code in _RETRYABLE,
            ) from exc
        finally:
            call.cancel()

    async def list_models(self) -> chat_pb2.ListModelsResponse:
        try:
            response: chat_pb2.ListModelsResponse = await self._stub.ListModels(
                chat_pb2.ListModelsRequest(), timeout=5
            )
        except grpc.aio.AioRpcError as exc:
            raise CompletionError(
                f"chat service: {exc.code().name.lower()}",
                kind=_KINDS.get(exc.code(), FailureKind.FAILED),
                retryable=exc.code() in _RETRYABLE,
            ) from exc
        return response

    async def aclose(self) -> None:
        await self._channel.close(grace=None)
