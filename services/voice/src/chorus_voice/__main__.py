"""`python -m chorus_voice`: run the voice service until SIGTERM or SIGINT.

It serves gRPC (VoiceService, health, reflection) and Prometheus /metrics on
its own HTTP port. Health is NOT_SERVING while the models load, SERVING
after; SIGTERM lets running calls finish for the grace period, then cancels
them, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from chorus_common import logs
from chorus_common.aio import DrainTimeout, serve_until_signalled
from chorus_common.metrics import MetricsServer
from pydantic import ValidationError

from chorus_voice.config import VoiceSettings
from chorus_voice.errors import VoiceError
from chorus_voice.registry import RegistryError
from chorus_voice.server import VoiceServer

log = logging.getLogger("chorus_voice")


async def serve(settings: VoiceSettings) -> None:
    server = VoiceServer(settings)
    exposition = MetricsServer(host=settings.metrics_host, port=settings.metrics_port)
    await exposition.start()

    async def stop() -> None:
        try:
            await server.stop(settings.shutdown_grace_s)
        finally:
            await exposition.aclose()

    await serve_until_signalled(
        server.start, stop, grace_s=settings.shutdown_grace_s, name="voice service"
    )


def main() -> None:
    try:
        logs.configure("voice")
        settings = VoiceSettings()
    except (ValidationError, logs.LogConfigError) as exc:
        print(f"chorus-voice: invalid settings:\n{exc}", file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(serve(settings))
    except (RegistryError, VoiceError, OSError) as exc:
        log.error("cannot start: %s", exc)
        sys.exit(2)
    except DrainTimeout as exc:
        log.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
