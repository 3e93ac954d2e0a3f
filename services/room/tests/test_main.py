"""``python -m chorus_room`` as a process: JSON logs, /metrics that move with
real traffic, and a SIGTERM drain that ends within its bound with status 0,
even with a stream left open."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import grpc
import httpx
import pytest
from chorus.v1 import room_pb2, room_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .session_client import SessionClient

GRACE_S = 1.0
#: The drain's bound: the grace period plus chorus_common.aio's margin.
BOUND_S = GRACE_S + 5.0


async def _ports(process: asyncio.subprocess.Process, lines: list[str]) -> tuple[int, int]:
    """The gRPC and metrics ports, from the start-up log lines."""
    assert process.stderr is not None
    grpc_port = metrics_port = 0
    async with asyncio.timeout(30):
        while not (grpc_port and metrics_port):
            line = (await process.stderr.readline()).decode()
            assert line, "the room service exited during start-up"
            lines.append(line)
            if match := re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", line):
                metrics_port = int(match.group(1))
            if match := re.search(r"listening on 127\.0\.0\.1:(\d+)", line):
                grpc_port = int(match.group(1))
    return grpc_port, metrics_port


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} is not in /metrics"
    return float(match.group(1))


@pytest.mark.asyncio
async def test_serves_metrics_and_drains_on_sigterm(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")},
        "CHORUS_ROOM_PORT": "0",
        "CHORUS_ROOM_METRICS_PORT": "0",
        "CHORUS_ROOM_DATABASE": str(tmp_path / "room.db"),
        "CHORUS_ROOM_CHAT_TARGET": "127.0.0.1:1",
        "CHORUS_ROOM_SHUTDOWN_GRACE_S": str(GRACE_S),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chorus_room", env=env, stderr=asyncio.subprocess.PIPE
    )
    lines: list[str] = []
    try:
        grpc_port, metrics_port = await _ports(process, lines)
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}")
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="chorus.v1.RoomService"), timeout=5
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING

        stub = room_pb2_grpc.RoomServiceStub(channel)
        created = await stub.CreateRoom(room_pb2.CreateRoomRequest(name="Main"))
        session = SessionClient(stub, created.room.id)
        await session.join("c1", created.invite_token, "Ann")
        await session.send("c1", "hello", ref="r1")
        await session.next_for("c1", lambda r: r.frame.HasField("ack"))

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{metrics_port}") as http:
            scraped = await http.get("/metrics")
        assert scraped.status_code == 200
        assert _metric(scraped.text, "chorus_room_sessions") == 1
        assert _metric(scraped.text, "chorus_room_rooms") == 1
        assert _metric(scraped.text, 'chorus_room_messages_total{author="human"}') == 1
        assert _metric(scraped.text, "process_resident_memory_bytes") > 0

        # SIGTERM with the stream still open: it gets the grace period, then ends.
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(BOUND_S + 5):
            _, rest = await process.communicate()
        elapsed = time.monotonic() - started
        await channel.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert elapsed < BOUND_S, elapsed
    logged = [*lines, *rest.decode().splitlines()]
    records = [json.loads(line) for line in logged if line.strip()]  # every line is JSON
    assert {r["service"] for r in records} == {"room"}
    opened = next(r for r in records if r["msg"] == "session opened")
    assert opened["room_id"] == created.room.id and opened["gateway_id"] == "test"
    assert any(r["msg"] == "room service stopped" for r in records)
    assert created.owner_token not in "\n".join(logged)
    assert created.invite_token not in "\n".join(logged)
