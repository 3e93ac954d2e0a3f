"""The gRPC face of the engine: chorus.v1.ChatService."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import grpc
from chorus.v1 import chat_pb2

from chorus_chat import convert
from chorus_chat.completion import Failure
from chorus_chat.engine import ChatEngine
from chorus_chat.errors import ChatError

SERVICE_NAME: str = chat_pb2.DESCRIPTOR.services_by_name["ChatService"].full_name


class ChatServicer:
    def __init__(self, engine: ChatEngine) -> None:
        self._engine = engine

    async def Complete(
        self, request: chat_pb2.CompleteRequest, context: Any
    ) -> AsyncIterator[chat_pb2.CompleteChunk]:
        received_at = time.monotonic()
        try:
            completion = convert.request_from_proto(request)
        except ChatError as exc:
            yield convert.failure_to_proto(Failure.of(exc))
            return
        # Cancelling the call cancels this generator, which closes the
        # engine's stream, which stops the model.
        async with aclosing(self._engine.complete(completion, received_at=received_at)) as chunks:
            async for chunk in chunks:
                yield convert.chunk_to_proto(chunk)

    async def ListModels(
        self, request: chat_pb2.ListModelsRequest, context: Any
    ) -> chat_pb2.ListModelsResponse:
        return convert.models_to_proto(self._engine.models(), self._engine.default_model)

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE_NAME,
            {
                "Complete": grpc.unary_stream_rpc_method_handler(
                    self.Complete,
                    request_deserializer=chat_pb2.CompleteRequest.FromString,
                    response_serializer=chat_pb2.CompleteChunk.SerializeToString,
                ),
                "ListModels": grpc.unary_unary_rpc_method_handler(
                    self.ListModels,
                    request_deserializer=chat_pb2.ListModelsRequest.FromString,
                    response_serializer=chat_pb2.ListModelsResponse.SerializeToString,
                ),
            },
        )
