"""``python -m chorus_gateway`` serves with the settings from the environment
and drains on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import RoomHarness


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
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 0
    log = stderr.decode()
    assert "/api/rooms" in log  # the access log line...
    assert "hidden" not in log  # ...without its query string
    assert created.json()["ownerToken"] not in log
