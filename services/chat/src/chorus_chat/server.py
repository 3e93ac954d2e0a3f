"""The chat service's gRPC server: ChatService, grpc.health.v1, reflection."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from types import TracebackType

import grpc
from chorus_common import logs
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from chorus_chat.config import ChatSettings
from chorus_chat.engine import ChatEngine
from chorus_chat.providers.base import Provider
from chorus_chat.registry import Registry, load_registry
from chorus_chat.servicer import SERVICE_NAME, ChatServicer

log = logging.getLogger(__name__)

# Largest request accepted (a long history); replies are streamed in small chunks.
MAX_MESSAGE_BYTES = 4 << 20


def api_key_variables(registry: Registry) -> list[str]:
    """Names of the environment variables that hold the registry's API keys."""
    return [name for spec in registry.models if (name := getattr(spec, "api_key_env", None))]


class ChatServer:
    """Owns the gRPC server and the engine; `start()` then `stop(grace)`.

    server = ChatServer(ChatSettings(port=0))
    port = await server.start()
    ...
    await server.stop(grace=1.0)
    """

    def __init__(
        self,
        settings: ChatSettings,
        *,
        registry: Registry | None = None,
        providers: Mapping[str, Provider] | None = None,
    ) -> None:
        self.settings = settings
        self._registry = registry
        self._providers = providers
        self._server: grpc.aio.Server | None = None
        self._health: health.aio.HealthServicer | None = None
        self._engine: ChatEngine | None = None
        self.port: int | None = None

    @property
    def engine(self) -> ChatEngine:
        if self._engine is None:
            raise RuntimeError("the server is not started")
        return self._engine

    async def start(self) -> int:
        """Load the registry, bind, serve, then load the preloaded models;
        returns the bound port. Health answers NOT_SERVING until the models
        are loaded, SERVING after."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        settings = self.settings
        registry = self._registry or load_registry(settings.registry_path)
        # Whoever logs an API key (a vendor's error message...), it shows redacted.
        logs.redact(*(os.environ.get(name) for name in api_key_variables(registry)))
        engine = ChatEngine(registry, settings, self._providers)
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ]
        )
        server.add_generic_rpc_handlers((ChatServicer(engine).handler(),))
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        address = f"{settings.host}:{settings.port}"
        port: int = server.add_insecure_port(address)
        if port == 0:
            await engine.aclose()
            raise OSError(f"cannot listen on {address}")
        await self._set_health(health_servicer, health_pb2.HealthCheckResponse.NOT_SERVING)
        await server.start()
        self._server, self._health, self._engine, self.port = server, health_servicer, engine, port
        log.info(
            "chat service listening on %s:%d (default model %s)",
            settings.host,
            port,
            engine.default_model,
        )
        try:
            await engine.warm(settings.preload_models)
        except BaseException:
            await self.stop(0)
            raise
        await self._set_health(health_servicer, health_pb2.HealthCheckResponse.SERVING)
        log.info("chat service ready (preloaded: %s)", ", ".join(settings.preload_models) or "-")
        return port

    @staticmethod
    async def _set_health(servicer: health.aio.HealthServicer, status: int) -> None:
        for service in ("", SERVICE_NAME):
            await servicer.set(service, status)

    async def stop(self, grace: float | None = None) -> None:
        """Refuse new calls, let running streams finish for `grace` s, then cancel them."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
        await server.stop(self.settings.shutdown_grace_s if grace is None else grace)
        if self._engine is not None:
            await self._engine.aclose()
        log.info("chat service stopped")

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

    async def __aenter__(self) -> ChatServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
