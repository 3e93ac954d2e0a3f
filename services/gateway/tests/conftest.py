"""Real parts on 127.0.0.1: the room service in-process (SQLite in tmp_path,
an unreachable chat target) and the gateway under uvicorn on port 0; clients
speak real WebSocket (``websockets``) and HTTP (``httpx``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest_asyncio
import uvicorn
from chorus_gateway.app import create_app
from chorus_gateway.config import GatewaySettings
from chorus_gateway.server import bind_socket, uvicorn_config
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Frame = dict[str, Any]
RECV_TIMEOUT_S = 5.0


class WsMember:
    """One WebSocket client speaking the JSON frames."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: Frame | str | bytes) -> None:
        if isinstance(frame, dict):
            frame = orjson.dumps(frame).decode()
        await self.ws.send(frame)

    async def recv(self, wait_s: float = RECV_TIMEOUT_S) -> Frame:
        text = await asyncio.wait_for(self.ws.recv(), wait_s)
        frame: Frame = orjson.loads(text)
        return frame

    async def recv_until(
        self, predicate: Callable[[Frame], bool], wait_s: float = RECV_TIMEOUT_S
    ) -> tuple[Frame, list[Frame]]:
        """The first frame matching ``predicate`` and the ones skipped before it."""
        skipped: list[Frame] = []
        async with asyncio.timeout(wait_s):
            while True:
                frame = await self.recv(wait_s)
                if predicate(frame):
                    return frame, skipped
                skipped.append(frame)

    async def join(
        self,
        invite: str,
        name: str = "Ann",
        *,
        after_seq: int | None = None,
        token: str = "",
    ) -> tuple[Frame, list[Frame]]:
        """Send `join`; return the welcome and the backlog events that follow it
        (up to the first frame that is no durable event, or a pause)."""
        join: Frame = {"inviteToken": invite, "displayName": name}
        if token:
            join["participantToken"] = token
        if after_seq is not None:
            join["afterSeq"] = str(after_seq)
        await self.send({"ref": "join", "join": join})
        welcome, _ = await self.recv_until(lambda f: "welcome" in f or "error" in f)
        assert "welcome" in welcome, welcome
        backlog: list[Frame] = []
        while True:
            try:
                frame = await self.recv(wait_s=0.3)
            except TimeoutError:
                break
            if "event" in frame and int(frame["event"].get("seq", "0")) > 0:
                backlog.append(frame)
        return welcome["welcome"], backlog

    async def send_message(self, text: str, client_msg_id: str, ref: str = "") -> Frame:
        """Send a message and return its ack."""
        await self.send(
            {"ref": ref or client_msg_id, "send": {"clientMsgId": client_msg_id, "text": text}}
        )
        ack, _ = await self.recv_until(lambda f: "ack" in f or "error" in f)
        assert "ack" in ack, ack
        result: Frame = ack["ack"]
        return result

    async def closed(self, wait_s: float = RECV_TIMEOUT_S) -> tuple[int | None, str]:
        """Read until the server closes; its close code and reason."""
        async with asyncio.timeout(wait_s):
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await self.ws.recv()
        return self.ws.close_code, self.ws.close_reason or ""

    async def aclose(self) -> None:
        await self.ws.close()


@dataclass
class GatewayHarness:
    settings: GatewaySettings
    server: uvicorn.Server
    port: int
    http: httpx.AsyncClient
    _members: list[WsMember] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, room_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{room_id}"

    async def connect(self, room_id: str, **kwargs: Any) -> WsMember:
        ws = await connect(self.ws_url(room_id), compression=None, **kwargs)
        member = WsMember(ws)
        self._members.append(member)
        return member

    async def create_room(self, name: str = "Test room", **body: Any) -> Frame:
        response = await self.http.post("/api/rooms", json={"name": name, **body})
        assert response.status_code == 201, response.text
        created: Frame = response.json()
        return created

    async def metric(self, name: str) -> float:
        text = (await self.http.get("/metrics")).text
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)


@dataclass
class RoomHarness:
    server: RoomServer
    port: int

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


async def start_room(tmp_path: Path, port: int = 0) -> RoomHarness:
    settings = RoomSettings(
        host="127.0.0.1",
        port=port,
        database=str(tmp_path / "room.db"),
        chat_target="127.0.0.1:1",
    )
    server = RoomServer(settings)
    return RoomHarness(server, await server.start())


@pytest_asyncio.fixture
async def room(tmp_path: Path) -> AsyncIterator[RoomHarness]:
    harness = await start_room(tmp_path)
    yield harness
    await harness.server.stop(grace=0.5)


GatewayFactory = Callable[..., Awaitable[GatewayHarness]]


@pytest_asyncio.fixture
async def gateway_factory(room: RoomHarness, tmp_path: Path) -> AsyncIterator[GatewayFactory]:
    """Start gateways (settings overridable) in front of ``room``."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**overrides: Any) -> GatewayHarness:
            values: dict[str, Any] = {
                "host": "127.0.0.1",
                "port": 0,
                "room_target": room.target,
                "chat_target": "127.0.0.1:1",
                "web_dist": tmp_path / "no-web-dist",
                "gateway_id": "gw-test",
                "shutdown_grace_s": 1,
                # Tests flood on purpose; the limits have their own tests.
                "member_messages_per_s": 0,
                "member_text_bytes_per_s": 0,
                "rooms_per_minute": 0,
            }
            values.update(overrides)
            settings = GatewaySettings(**values)
            server = uvicorn.Server(uvicorn_config(create_app(settings), settings, loop="none"))
            sock = bind_socket(settings)
            stack.callback(sock.close)
            port = sock.getsockname()[1]
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("uvicorn exited before starting")
                await asyncio.sleep(0.01)
            http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
            harness = GatewayHarness(settings, server, port, http)

            async def stop() -> None:
                for member in harness._members:
                    await member.aclose()
                await http.aclose()
                server.should_exit = True
                await task
                leaked = [t for t in asyncio.all_tasks() if t.get_name().startswith("link-")]
                assert not leaked, f"room link tasks left running: {leaked}"

            stack.push_async_callback(stop)
            return harness

        yield start


@pytest_asyncio.fixture
async def gateway(gateway_factory: GatewayFactory) -> GatewayHarness:
    return await gateway_factory()
