"""``python -m chorus_room``: run the room service until SIGTERM/SIGINT.

It serves gRPC (RoomService, health, reflection) and Prometheus /metrics on
its own HTTP port; SIGTERM gives open streams and replies the grace period,
then cancels them, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from chorus_common import logs
from chorus_common.aio import DrainTimeout, serve_until_signalled
from chorus_common.metrics import MetricsServer
from pydantic import ValidationError

from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer

log = logging.getLogger("chorus.room")


async def serve(settings: RoomSettings) -> None:
    server = RoomServer(settings)
    exposition = MetricsServer(host=settings.metrics_host, port=settings.metrics_port)
    await exposition.start()

    async def stop() -> None:
        try:
            await server.stop()
        finally:
            await exposition.aclose()

    await serve_until_signalled(
        server.start, stop, grace_s=settings.shutdown_grace_s, name="room service"
    )
    log.info("room service stopped")


def main() -> None:
    try:
        logs.configure("room")
        settings = RoomSettings()
    except (ValidationError, logs.LogConfigError) as exc:
        print(f"chorus-room: invalid settings:\n{exc}", file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(serve(settings))
    except OSError as exc:
        log.error("cannot start: %s", exc)
        sys.exit(2)
    except DrainTimeout as exc:
        log.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
