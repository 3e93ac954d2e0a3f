"""The chorus.fanout extension: direct writes of pre-framed bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import uvicorn
from chorus_gateway.codec import text_frame
from chorus_gateway.fastws import EXTENSION, FanoutWebSocketProtocol, try_write_of
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect

from .conftest import GatewayHarness, WsMember

Results = asyncio.Queue[object]


async def _probe_app(scope: Scope, receive: Receive, send: Send, results: Results) -> None:
    """Accepts, writes one frame through the extension, then reports what
    try_write says once the client has gone."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    writer = try_write_of(scope)
    results.put_nowait(writer is not None)
    await send({"type": "websocket.accept"})
    assert writer is not None
    results.put_nowait(writer(text_frame(b'{"hello":"direct"}')))
    message = await receive()
    assert message["type"] == "websocket.disconnect"
    results.put_nowait(writer(text_frame(b"late")))


@pytest_asyncio.fixture
async def probe() -> AsyncIterator[tuple[int, Results]]:
    results: Results = asyncio.Queue()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await _probe_app(scope, receive, send, results)

    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        ws=FanoutWebSocketProtocol,
        ws_per_message_deflate=False,
        lifespan="off",
        log_config=None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield port, results
    server.should_exit = True
    await task


@pytest.mark.asyncio
async def test_direct_write_reaches_the_client_and_stops_after_close(
    probe: tuple[int, Results],
) -> None:
    port, results = probe
    async with connect(f"ws://127.0.0.1:{port}/", compression=None) as ws:
        assert await results.get() is True  # the extension is offered
        assert await results.get() is True  # written
        assert await ws.recv() == '{"hello":"direct"}'
    assert await results.get() is False  # closed: nothing more is written


def test_no_extension_no_writer() -> None:
    assert try_write_of({"type": "websocket", "extensions": {}}) is None
    assert try_write_of({"type": "websocket"}) is None
    assert try_write_of({"extensions": {EXTENSION: {"try_write": "nope"}}}) is None


@pytest.mark.asyncio
async def test_gateway_refuses_compression(gateway: GatewayHarness) -> None:
    """Pre-framed bytes are only valid uncompressed: the gateway must not
    negotiate permessage-deflate even when the client offers it."""
    created = await gateway.create_room()
    async with connect(gateway.ws_url(created["room"]["id"]), compression="deflate") as ws:
        assert ws.protocol.extensions == []
        member = WsMember(ws)
        welcome, _ = await member.join(created["inviteToken"], "Ann")
        assert welcome["you"]["name"] == "Ann"
