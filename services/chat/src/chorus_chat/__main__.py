"""`python -m chorus_chat`: run the chat service until SIGTERM or SIGINT.

It serves gRPC (ChatService, health, reflection) and Prometheus /metrics on
its own HTTP port; SIGTERM lets running streams finish for the grace period,
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

from chorus_chat.config import ChatSettings
from chorus_chat.errors import ChatError
from chorus_chat.registry import RegistryError
from chorus_chat.server import ChatServer

log = logging.getLogger("chorus_chat")


async def serve(settings: ChatSettings) -> None:
    server = ChatServer(settings)
    exposition = MetricsServer(host=settings.metrics_host, port=settings.metrics_port)
    await exposition.start()

    async def stop() -> None:
        try:
            await server.stop(settings.shutdown_grace_s)
        finally:
            await exposition.aclose()

    await serve_until_signalled(
        server.start, stop, grace_s=settings.shutdown_grace_s, name="chat service"
    )


def main() -> None:
    try:
        logs.configure("chat")
        settings = ChatSettings()
    except (ValidationError, logs.LogConfigError) as exc:
        print(f"chorus-chat: invalid settings:\n{exc}", file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(serve(settings))
    except (RegistryError, ChatError, OSError) as exc:
        log.error("cannot start: %s", exc)
        sys.exit(2)
    except DrainTimeout as exc:
        log.error("%s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
