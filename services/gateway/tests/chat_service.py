"""A minimal ChatService on real gRPC (127.0.0.1, port 0) with grpc.health.v1:
it stands in for services/chat where the gateway only needs ListModels and a
health check."""

from __future__ import annotations

from typing import Any

import grpc
from chorus.v1 import chat_pb2, chat_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

MODELS = chat_pb2.ListModelsResponse(
    models=[
        chat_pb2.ModelInfo(
            id="smol",
            display_name="SmolLM2 135M",
            provider="llama_cpp",
            context_size=2048,
            available=True,
        ),
        chat_pb2.ModelInfo(
            id="gpt",
            display_name="Remote",
            provider="openai",
            available=False,
            unavailable_reason="no API key",
        ),
    ],
    default_model="smol",
)


class _Chat(chat_pb2_grpc.ChatServiceServicer):  # type: ignore[misc]
    async def ListModels(
        self, request: chat_pb2.ListModelsRequest, context: Any
    ) -> chat_pb2.ListModelsResponse:
        return MODELS


class ChatServiceStandIn:
    def __init__(self) -> None:
        self.server = grpc.aio.server()
        self.health = health.aio.HealthServicer()
        self.port = 0

    async def start(self) -> str:
        chat_pb2_grpc.add_ChatServiceServicer_to_server(_Chat(), self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        await self.server.start()
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        return f"127.0.0.1:{self.port}"

    async def stop(self) -> None:
        await self.server.stop(0)
