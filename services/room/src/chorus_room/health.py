"""grpc.health.v1 that tells the truth: SERVING only while the store answers.

A probe reads the store every ``interval_s``; a failed or slow probe turns
the room service (the overall "" service and RoomService) NOT_SERVING until
one succeeds again. Shutdown turns everything NOT_SERVING for good.
"""

from __future__ import annotations

import asyncio
import logging

from grpc_health.v1 import health, health_pb2

from chorus_room.ports.store import Store

log = logging.getLogger("chorus.room.health")

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
#: Seconds one probe may take before the store counts as unreachable.
PROBE_TIMEOUT_S = 2.0
#: A room id no room has: the probe reads it (and finds nothing).
PROBE_ROOM_ID = "health-probe"


class StoreHealth:
    def __init__(self, store: Store, services: tuple[str, ...], *, interval_s: float) -> None:
        self.servicer = health.aio.HealthServicer()
        self._store = store
        self._services = ("", *services)
        self._interval_s = interval_s
        self._serving: bool | None = None
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Set the first status (before the server starts), then keep it true."""
        await self.check()
        self._watch = asyncio.create_task(self._watch_loop(), name="room-store-health")

    async def check(self) -> bool:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                await self._store.get_room(PROBE_ROOM_ID)
        except Exception as exc:  # any failure: the store is not there for us
            serving = False
            reason = f"{type(exc).__name__}: {exc}"
        else:
            serving, reason = True, ""
        if serving != self._serving:
            self._serving = serving
            if serving:
                log.info("store reachable: SERVING")
            else:
                log.warning("store unreachable (%s): NOT_SERVING", reason)
            for service in self._services:
                await self.servicer.set(service, SERVING if serving else NOT_SERVING)
        return serving

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check()

    async def aclose(self) -> None:
        """Stop probing; NOT_SERVING from now on."""
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)
        await self.servicer.enter_graceful_shutdown()
