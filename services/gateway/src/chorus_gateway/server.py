"""Uvicorn configured for the gateway, and its listening socket (used by
__main__ and by the tests)."""

from __future__ import annotations

import math
import socket

import uvicorn
from fastapi import FastAPI

from chorus_gateway.config import GatewaySettings
from chorus_gateway.fastws import FanoutWebSocketProtocol

#: Hard cap on one incoming WebSocket message, far above max_frame_bytes so
#: that oversized frames get a typed TOO_LARGE error instead of a dropped socket.
WS_MAX_SIZE_FLOOR = 1024 * 1024


def uvicorn_config(
    app: FastAPI, settings: GatewaySettings, *, loop: str = "uvloop"
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop=loop,
        http="httptools",
        ws=FanoutWebSocketProtocol if settings.ws_impl == "fanout" else settings.ws_impl,
        ws_max_size=max(WS_MAX_SIZE_FLOOR, settings.max_frame_bytes * 4),
        # Compression would be paid once per member per frame: off.
        ws_per_message_deflate=False,
        lifespan="on",
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=math.ceil(settings.shutdown_grace_s),
    )


def bind_socket(settings: GatewaySettings) -> socket.socket:
    """The listening socket. Accepted sockets inherit its TCP_NOTSENT_LOWAT."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if settings.socket_notsent_lowat:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, settings.socket_notsent_lowat)
    sock.bind((settings.host, settings.port))
    sock.set_inheritable(True)
    return sock
