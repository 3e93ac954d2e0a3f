"""`python -m chorus_voice` as a process: loads, serves, logs JSON lines,
drains on SIGTERM and exits 0."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from chorus.v1 import voice_pb2, voice_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

GRACE_S = 1.0


def test_serves_until_sigterm_then_exits_cleanly(voice_models: Path) -> None:
    env = {
        **os.environ,
        "CHORUS_VOICE_HOST": "127.0.0.1",
        "CHORUS_VOICE_PORT": "0",
        "CHORUS_VOICE_MODELS_DIR": str(voice_models),
        "CHORUS_VOICE_METRICS_PORT": "0",
        "CHORUS_VOICE_SHUTDOWN_GRACE_S": str(GRACE_S),
        "CHORUS_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chorus_voice"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[dict[str, object]] = []
    try:
        assert process.stderr is not None
        port = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            entry = json.loads(line)
            lines.append(entry)
            message = str(entry["msg"])
            if "listening on" in message:
                port = int(message.split(":")[-1].split(",")[0])
            if message == "voice service ready":
                break
        assert port, lines
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            status = health.Check(health_pb2.HealthCheckRequest()).status
            assert status == health_pb2.HealthCheckResponse.SERVING
            listed = voice_pb2_grpc.VoiceServiceStub(channel).ListVoices(
                voice_pb2.ListVoicesRequest()
            )
            assert listed.default_voice == "joe"

        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=GRACE_S + 10) == 0
        print(f"\nstopped {time.monotonic() - stopping:.1f} s after SIGTERM")
        rest = process.stderr.read()
        lines += [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
    assert all(entry["service"] == "voice" for entry in lines)
    messages = [str(entry["msg"]) for entry in lines]
    assert any(m.startswith("voice models loaded") for m in messages)
    assert "voice service stopped" in messages


def test_a_bad_setting_exits_2() -> None:
    env = {**os.environ, "CHORUS_VOICE_DEVICE": "tpu"}
    done = subprocess.run(
        [sys.executable, "-m", "chorus_voice"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "device" in done.stderr


@pytest.mark.parametrize("variable", ["CHORUS_VOICE_STT_MODEL", "CHORUS_VOICE_DEFAULT_VOICE"])
def test_an_unknown_default_exits_2(voice_models: Path, variable: str) -> None:
    env = {
        **os.environ,
        variable: "nothing-like-it",
        "CHORUS_VOICE_PORT": "0",
        "CHORUS_VOICE_METRICS_PORT": "0",
        "CHORUS_VOICE_MODELS_DIR": str(voice_models),
    }
    done = subprocess.run(
        [sys.executable, "-m", "chorus_voice"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "nothing-like-it" in done.stderr
