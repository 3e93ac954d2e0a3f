"""Completer over gRPC to the chat service."""

from __future__ import annotations

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


class GrpcCompleter:
    def __init__(self, target: str) -> None:
        self._channel = grpc.aio.insecure_channel(target)
        self._stub = chat_pb2_grpc.ChatServiceStub(self._channel)

    async def complete(
        self, request: chat_pb2.CompleteRequest
    ) -> AsyncGenerator[chat_pb2.CompleteChunk, None]:
        call = self._stub.Complete(request, metadata=outgoing_metadata())
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
