"""Uvicorn's websockets-sansio protocol plus one ASGI extension for fan-out.

Through plain ASGI, every frame to every member costs a task switch, a
``websocket.send`` message through Starlette and uvicorn, and framing by the
websockets state machine. A server-to-client text frame is the same bytes for
every member (no mask, no compression), so the link frames each event once
and this extension writes those bytes straight to a member's transport:

    scope["extensions"]["chorus.fanout"]["try_write"](frame: bytes) -> bool

It writes only while the connection is open and its transport is below the
high-water mark, and returns False otherwise; the caller then queues the
frame and sends it the ordinary ASGI way, which waits for the transport to
drain. Frames are written whole, so they interleave safely with the pings,
pongs and close frames the protocol writes itself.

It subclasses uvicorn's protocol class (uvicorn is pinned in the lock file):
tests/test_fastws.py checks the extension end to end, and the app works
without it (``ws_impl="websockets-sansio"``; the tests run both).
"""

from __future__ import annotations

from collections.abc import Callable

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

EXTENSION = "chorus.fanout"

TryWrite = Callable[[bytes], bool]


def try_write_of(scope: object) -> TryWrite | None:
    """The extension's writer in an ASGI scope, if the server offers it."""
    if not isinstance(scope, dict):
        return None
    extension = scope.get("extensions", {}).get(EXTENSION)
    if isinstance(extension, dict):
        writer = extension.get("try_write")
        if callable(writer):
            return writer  # type: ignore[no-any-return]
    return None


class FanoutWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:
            self.scope["extensions"][EXTENSION] = {"try_write": self.try_write}

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept":
            # The handshake's request and response are not used again: with
            # thousands of idle members, their headers add up.
            self.request = self.response = None  # type: ignore[assignment]

    def try_write(self, frame: bytes) -> bool:
        if (
            self.handshake_complete
            and not self.close_sent
            and not self.disconnected
            and self.writable.is_set()
            and self.conn.state is State.OPEN
            and not self.transport.is_closing()
        ):
            self.transport.write(frame)
            return True
        return False
