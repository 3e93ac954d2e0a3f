"""``python -m chorus_gateway``: serve the gateway with uvicorn (uvloop,
httptools). SIGTERM/SIGINT drain: uvicorn stops accepting, closes the
WebSockets (1012: clients reconnect and resume), then the lifespan closes the
room links and the gRPC channels."""

from __future__ import annotations

import logging
import signal
import sys

import uvicorn
from chorus_common.logs import LogConfigError
from pydantic import ValidationError

from chorus_gateway import logs
from chorus_gateway.app import create_app
from chorus_gateway.config import GatewaySettings
from chorus_gateway.server import bind_socket, uvicorn_config

log = logging.getLogger("chorus.gateway")


def main() -> None:
    try:
        logs.configure()
        settings = GatewaySettings()
    except (ValidationError, LogConfigError) as exc:
        print(f"chorus-gateway: invalid settings:\n{exc}", file=sys.stderr)
        sys.exit(2)
    server = uvicorn.Server(uvicorn_config(create_app(settings), settings))
    sock = bind_socket(settings)
    host, port = sock.getsockname()[:2]
    log.info(
        "gateway %s listening on http://%s:%d (room service %s, chat service %s)",
        settings.gateway_id,
        host,
        port,
        settings.room_target,
        settings.chat_target,
    )
    # Uvicorn drains on SIGTERM/SIGINT, then raises the signal again under
    # the handlers it found: with these, a requested drain ends with status 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _drained)
    server.run(sockets=[sock])


def _drained(signum: int, frame: object) -> None:
    log.info("gateway stopped (%s)", signal.Signals(signum).name)


if __name__ == "__main__":
    main()
