"""Request ids for the gateway's logs and for the services it calls.

Every HTTP request gets an id: the client's ``X-Request-ID`` when it is a
plausible id, else a new one; the response echoes it. It is bound (with the
room id, when the path names a room, and this gateway's id) for every line
logged while handling the request, and passed to the room and chat services
as gRPC metadata on the unary calls made meanwhile. A WebSocket binds the
room and gateway ids; its frames' request ids (``<gateway_id>/<conn_id>/<ref>``)
are made by the room service, which sees each frame.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from chorus_common import context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chorus_gateway import metrics

_ROOM_PATH = re.compile(r"^/(?:api|ws)/rooms/([A-Za-z0-9_-]{1,64})(?:/|$)")
_HEADER = context.REQUEST_ID_KEY.encode("ascii")


class RequestContext:
    """ASGI middleware: binds the ids, echoes the request id, times requests."""

    def __init__(self, app: ASGIApp, *, gateway_id: str) -> None:
        self._app = app
        self._gateway_id = context.clean_id(gateway_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        match = _ROOM_PATH.match(scope.get("path", ""))
        room_id = match.group(1) if match else ""
        if kind == "websocket":
            with context.scope(room_id=room_id, gateway_id=self._gateway_id):
                await self._app(scope, receive, send)
            return
        supplied = next((v for k, v in scope.get("headers", ()) if k == _HEADER), None)
        request_id = context.clean_id(supplied) or context.new_request_id()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (_HEADER, request_id.encode())]
            await send(message)

        started = time.perf_counter()
        with context.scope(request_id=request_id, room_id=room_id, gateway_id=self._gateway_id):
            try:
                await self._app(scope, receive, send_with_id)
            finally:
                metrics.observe_http(
                    _route_of(scope), scope.get("method", ""), status, time.perf_counter() - started
                )


def _route_of(scope: Scope) -> str:
    """The matched route's template (bounded label values), or "other"."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "other"


Continuation = Callable[[grpc.aio.ClientCallDetails, Any], Awaitable[Any]]


class PassRequestId(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Adds this context's request id to each unary call's metadata."""

    async def intercept_unary_unary(
        self, continuation: Continuation, client_call_details: Any, request: Any
    ) -> Any:
        request_id = context.request_id()
        if request_id:
            metadata = grpc.aio.Metadata(
                *(client_call_details.metadata or ()), (context.REQUEST_ID_KEY, request_id)
            )
            client_call_details = client_call_details._replace(metadata=metadata)
        return await continuation(client_call_details, request)
