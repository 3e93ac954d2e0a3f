"""`python -m chorus_chat`: run the chat service until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from pydantic import ValidationError

from chorus_chat.config import ChatSettings
from chorus_chat.errors import ChatError
from chorus_chat.registry import RegistryError
from chorus_chat.server import ChatServer

log = logging.getLogger("chorus_chat")


async def serve(settings: ChatSettings) -> None:
    server = ChatServer(settings)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        log.info("stopping (grace %.1f s)", settings.shutdown_grace_s)
    finally:
        await server.stop(settings.shutdown_grace_s)


def main() -> None:
    try:
        settings = ChatSettings()
    except ValidationError as exc:
        print(f"chorus-chat: invalid settings:\n{exc}", file=sys.stderr)
        sys.exit(2)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        asyncio.run(serve(settings))
    except (RegistryError, ChatError, OSError) as exc:
        log.error("cannot start: %s", exc)
        sys.exit(2)


if __name__ == "__main__":
    main()
