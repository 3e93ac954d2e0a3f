"""`python -m chorus_chat` as a process: starts, serves gRPC and /metrics,
logs JSON lines, drains on SIGTERM within its bound."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _start(registry: Path, models_dir: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "CHORUS_CHAT_HOST": "127.0.0.1",
        "CHORUS_CHAT_PORT": "0",
        "CHORUS_CHAT_REGISTRY_PATH": str(registry),
        "CHORUS_CHAT_MODELS_DIR": str(models_dir),
        "CHORUS_CHAT_METRICS_PORT": "0",
        "CHORUS_CHAT_SHUTDOWN_GRACE_S": str(GRACE_S),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "chorus_chat"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


GRACE_S = 1.0
#: The drain's bound: the grace period plus chorus_common.aio's margin.
BOUND_S = GRACE_S + 5.0


def _registry(tmp_path: Path) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(
        'default_model = "m"\n\n[[models]]\nid = "m"\nprovider = "llama_cpp"\nfile = "m.gguf"\n'
    )
    return path


def test_serves_until_sigterm_then_exits_cleanly(tmp_path: Path) -> None:
    process = _start(_registry(tmp_path), tmp_path)
    lines: list[str] = []
    try:
        assert process.stderr is not None
        port = metrics_port = None
        deadline = time.monotonic() + 30
        while not (port and metrics_port) and time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, "the service exited before listening"
            lines.append(line)
            if match := re.search(r"listening on 127\.0\.0\.1:(\d+)", line):
                port = int(match.group(1))
            if match := re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", line):
                metrics_port = int(match.group(1))
        assert port and metrics_port

        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service="chorus.v1.ChatService"), timeout=5
            )
        assert response.status == health_pb2.HealthCheckResponse.SERVING
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
        assert scraped.status_code == 200
        assert "chorus_chat_completions_in_flight 0.0" in scraped.text

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=BOUND_S + 5) == 0
        assert time.monotonic() - started < BOUND_S
        lines += process.stderr.read().splitlines()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    assert {record["service"] for record in records} == {"chat"}
    assert any(record["msg"] == "chat service stopped" for record in records)


@pytest.mark.parametrize(
    ("registry_text", "message"),
    [("default_model = 1\n", "invalid model registry"), (None, "cannot read model registry")],
)
def test_a_bad_registry_fails_at_start(
    tmp_path: Path, registry_text: str | None, message: str
) -> None:
    registry = tmp_path / "models.toml"
    if registry_text is not None:
        registry.write_text(registry_text)

    process = _start(registry, tmp_path)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    assert message in stderr
