"""The voice service's gRPC server: VoiceService, grpc.health.v1, reflection."""

from __future__ import annotations

import logging
from types import TracebackType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from chorus_voice.config import VoiceSettings
from chorus_voice.engine import VoiceEngine
from chorus_voice.registry import Registry, load_registry
from chorus_voice.servicer import SERVICE_NAME, VoiceServicer

log = logging.getLogger(__name__)

#: Largest message accepted: a config, or one audio message (1 MiB is 32 s
#: of 16 kHz PCM16; callers send 20-100 ms at a time).
MAX_MESSAGE_BYTES = 1 << 20


class VoiceServer:
    """Owns the gRPC server and the engine; `start()` then `stop(grace)`.

    server = VoiceServer(VoiceSettings(port=0))
    port = await server.start()     # returns once the models are loaded
    ...
    await server.stop(grace=1.0)

    `start(wait_ready=False)` returns as soon as it listens (health
    NOT_SERVING) and loads the models in `ready()`.
    """

    def __init__(self, settings: VoiceSettings, *, registry: Registry | None = None) -> None:
        self.settings = settings
        self._registry = registry
        self._server: grpc.aio.Server | None = None
        self._health: health.aio.HealthServicer | None = None
        self._engine: VoiceEngine | None = None
        self.port: int | None = None

    @property
    def engine(self) -> VoiceEngine:
        if self._engine is None:
            raise RuntimeError("the server is not started")
        return self._engine

    async def start(self, *, wait_ready: bool = True) -> int:
        """Bind and serve (health NOT_SERVING), then load the models (SERVING);
        returns the bound port."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        settings = self.settings
        registry = self._registry or load_registry(settings.registry_path)
        engine = VoiceEngine(registry, settings)
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ]
        )
        server.add_generic_rpc_handlers((VoiceServicer(engine).handler(),))
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
        log.info("voice service listening on %s:%d, loading models", settings.host, port)
        if wait_ready:
            await self.ready()
        return port

    async def ready(self) -> None:
        """Load the models, then answer SERVING."""
        try:
            await self.engine.start()
        except BaseException:
            await self.stop(0)
            raise
        assert self._health is not None
        await self._set_health(self._health, health_pb2.HealthCheckResponse.SERVING)
        log.info("voice service ready")

    @staticmethod
    async def _set_health(servicer: health.aio.HealthServicer, status: int) -> None:
        for service in ("", SERVICE_NAME):
            await servicer.set(service, status)

    async def stop(self, grace: float | None = None) -> None:
        """Refuse new calls, let running ones finish for `grace` s, then cancel them."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._health is not None:
            await self._health.enter_graceful_shutdown()
        await server.stop(self.settings.shutdown_grace_s if grace is None else grace)
        if self._engine is not None:
            await self._engine.aclose()
        log.info("voice service stopped")

    async def __aenter__(self) -> VoiceServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
