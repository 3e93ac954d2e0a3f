"""``python -m chorus_room``: run the room service until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal

from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer


async def serve(settings: RoomSettings) -> None:
    server = RoomServer(settings)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(serve(RoomSettings()))


if __name__ == "__main__":
    main()
