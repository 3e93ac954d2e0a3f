"""The WebSocket endpoint /ws/rooms/{room_id}: each frame is the JSON text of
a ClientFrame (in) or ServerFrame (out), protobuf JSON mapping.

A plain Starlette route, not a FastAPI one: nothing here needs dependency
injection, and each of the (many, long-lived) connections then holds less.
"""

from __future__ import annotations

import re
from typing import cast

from chorus.v1 import room_pb2
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from chorus_gateway import close_codes
from chorus_gateway.codec import error_frame
from chorus_gateway.connection import Connection
from chorus_gateway.fastws import try_write_of
from chorus_gateway.runtime import Gateway

#: What a room id can look like (the room service makes them URL-safe base64).
ROOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def room_socket(websocket: WebSocket) -> None:
    gateway = cast(Gateway, websocket.app.state.gateway)
    room_id = str(websocket.path_params["room_id"])
    await websocket.accept()
    if not ROOM_ID.fullmatch(room_id):
        error = error_frame(room_pb2.ERROR_CODE_UNKNOWN_ROOM, "No such room.", fatal=True)
        await websocket.send_text(error.text)
        await websocket.close(close_codes.UNKNOWN_ROOM, "unknown room")
        return
    connection = Connection(
        websocket,
        room_id=room_id,
        conn_id=gateway.next_conn_id(),
        links=gateway.links,
        limits=gateway.limits,
        metrics=gateway.metrics,
        try_write=try_write_of(websocket.scope),
    )
    await connection.run()


routes = [WebSocketRoute("/ws/rooms/{room_id}", room_socket, name="room_socket")]
