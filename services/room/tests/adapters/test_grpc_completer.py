"""The chat-service adapter against a real gRPC server that comes and goes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from chorus.v1 import chat_pb2, chat_pb2_grpc
from chorus_room.adapters.grpc_completer import GrpcCompleter
from chorus_room.ports.completer import CompletionError, FailureKind


class _Chat(chat_pb2_grpc.ChatServiceServicer):  # type: ignore[misc]
    async def Complete(
        self, request: chat_pb2.CompleteRequest, context: Any
    ) -> AsyncIterator[chat_pb2.CompleteChunk]:
        yield chat_pb2.CompleteChunk(text="back")
        yield chat_pb2.CompleteChunk(finish=chat_pb2.FINISH_REASON_STOP)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def serve(port: int) -> grpc.aio.Server:
    server = grpc.aio.server()
    chat_pb2_grpc.add_ChatServiceServicer_to_server(_Chat(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server


async def texts(completer: GrpcCompleter) -> list[str]:
    request = chat_pb2.CompleteRequest(messages=[chat_pb2.ChatMessage(content="hi")])
    return [c.text async for c in completer.complete(request) if c.WhichOneof("chunk") == "text"]


@pytest.mark.asyncio
async def test_a_reply_waits_for_a_chat_service_that_is_coming_back() -> None:
    port = free_port()
    completer = GrpcCompleter(f"127.0.0.1:{port}", connect_wait_s=10)
    first = asyncio.create_task(texts(completer))  # nothing listens yet
    await asyncio.sleep(1.5)  # long enough for gRPC to back off
    server = await serve(port)
    try:
        async with asyncio.timeout(3):  # backoff is capped at 1 s
            assert await first == ["back"]
    finally:
        await server.stop(None)
        await completer.aclose()


@pytest.mark.asyncio
async def test_a_chat_service_that_stays_away_is_a_typed_failure() -> None:
    completer = GrpcCompleter(f"127.0.0.1:{free_port()}", connect_wait_s=0.5)
    try:
        with pytest.raises(CompletionError) as failed:
            await texts(completer)
    finally:
        await completer.aclose()
    assert failed.value.kind is FailureKind.UNAVAILABLE and failed.value.retryable
