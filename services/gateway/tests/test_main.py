"""``python -m chorus_gateway`` serves with the settings from the environment,
logs JSON lines, and drains on SIGTERM within its bound (closing open
WebSockets with 1012) with status 0."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from .conftest import RoomHarness, WsMember

GRACE_S = 1
#: The drain's bound: uvicorn's graceful timeout, then the lifespan's closing.
BOUND_S = GRACE_S + 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.asyncio
async def test_module_serves_and_stops_on_sigterm(room: RoomHarness, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CHORUS_GATEWAY_PORT": str(port),
        "CHORUS_GATEWAY_ROOM_TARGET": room.target,
        "CHORUS_GATEWAY_CHAT_TARGET": "127.0.0.1:1",
        "CHORUS_GATEWAY_WEB_DIST": str(tmp_path / "none"),
        "CHORUS_GATEWAY_SHUTDOWN_GRACE_S": str(GRACE_S),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chorus_gateway",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(200):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            created = await http.post("/api/rooms?secret=hidden", json={"name": "From main"})
            assert created.status_code == 201
        room_id = created.json()["room"]["id"]
        ws = await connect(f"ws://127.0.0.1:{port}/ws/rooms/{room_id}", compression=None)
        member = WsMember(ws)
        await member.join(created.json()["inviteToken"], "Ann")
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), BOUND_S + 5)
        elapsed = time.monotonic() - started
    assert process.returncode == 0
    assert elapsed < BOUND_S, elapsed
    assert (await member.closed())[0] == 1012  # reconnect: the service is restarting
    log = stderr.decode()
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert {record["service"] for record in records} == {"gateway"}
    assert "/api/rooms" in log  # the access log line...
    assert "hidden" not in log  # ...without its query string
    assert created.json()["ownerToken"] not in log
