"""Runs the real Chorus services as separate processes, as scripts/dev.sh
does, on free loopback ports: chat (llama.cpp with the small test model),
voice (faster-whisper and Piper), room (SQLite in a temp dir) and gateway
(serving the built web client)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = Path(os.environ.get("CHORUS_MODELS_DIR", "~/.cache/chorus/models")).expanduser()
TEST_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

#: The API key of the stack's remote model: a secret no log line may show.
REMOTE_KEY = "sk-e2e-remote-key-0123456789abcdef"

#: The registry the stack's chat service uses: the small local model, and a
#: remote one whose endpoint is down (to see failures end to end).
REGISTRY = f"""
default_model = "smollm2-135m"

[[models]]
id = "smollm2-135m"
provider = "llama_cpp"
display_name = "SmolLM2 135M (test)"
file = "{TEST_MODEL_FILE}"
context_size = 2048
[models.defaults]
temperature = 0.2
max_tokens = 48

[[models]]
id = "remote-down"
provider = "openai"
display_name = "A remote model that is down"
base_url = "http://127.0.0.1:9/v1"
model = "nothing"
context_size = 4096
api_key_env = "CHORUS_E2E_REMOTE_KEY"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} during start-up")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


@dataclass
class Stack:
    workdir: Path
    chat_port: int = field(default_factory=free_port)
    room_port: int = field(default_factory=free_port)
    gateway_port: int = field(default_factory=free_port)
    room_metrics_port: int = field(default_factory=free_port)
    chat_metrics_port: int = field(default_factory=free_port)
    voice_port: int = field(default_factory=free_port)
    voice_metrics_port: int = field(default_factory=free_port)
    #: Run the voice service (else the room's voice target listens nowhere:
    #: voice is "down").
    voice: bool = True
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    #: The chat service's model registry (TOML text).
    registry: str = REGISTRY
    #: More settings for the services (CHORUS_* variables).
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.gateway_port}"

    def env(self) -> dict[str, str]:
        registry = self.workdir / "models.toml"
        registry.write_text(self.registry)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
        env.update(
            CHORUS_MODELS_DIR=str(MODELS_DIR),
            CHORUS_E2E_REMOTE_KEY=REMOTE_KEY,
            CHORUS_CHAT_PORT=str(self.chat_port),
            CHORUS_CHAT_METRICS_PORT=str(self.chat_metrics_port),
            CHORUS_ROOM_METRICS_PORT=str(self.room_metrics_port),
            CHORUS_CHAT_REGISTRY_PATH=str(registry),
            CHORUS_CHAT_N_THREADS="2",
            CHORUS_ROOM_PORT=str(self.room_port),
            CHORUS_ROOM_DATABASE=str(self.workdir / "chorus.db"),
            CHORUS_ROOM_CHAT_TARGET=f"127.0.0.1:{self.chat_port}",
            CHORUS_ROOM_VOICE_TARGET=f"127.0.0.1:{self.voice_port}",
            CHORUS_VOICE_PORT=str(self.voice_port),
            CHORUS_VOICE_METRICS_PORT=str(self.voice_metrics_port),
            CHORUS_VOICE_STT_THREADS="2",
            CHORUS_VOICE_TTS_THREADS="1",
            CHORUS_GATEWAY_PORT=str(self.gateway_port),
            CHORUS_GATEWAY_ROOM_TARGET=f"127.0.0.1:{self.room_port}",
            CHORUS_GATEWAY_CHAT_TARGET=f"127.0.0.1:{self.chat_port}",
            # A test session creates many rooms from one address, and seeds
            # rooms with hundreds of messages at once (the limits have their
            # own tests in services/gateway).
            CHORUS_GATEWAY_ROOMS_PER_MINUTE="0",
            CHORUS_GATEWAY_MEMBER_MESSAGES_PER_S="0",
            CHORUS_GATEWAY_MEMBER_TEXT_BYTES_PER_S="0",
            CHORUS_GATEWAY_WEB_DIST=os.environ.get(
                "CHORUS_TEST_WEB_DIST", str(ROOT / "web" / "dist")
            ),
        )
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        env = self.env()
        services = [
            ("chat", self.chat_port),
            ("room", self.room_port),
            ("gateway", self.gateway_port),
        ]
        if self.voice:
            services.insert(0, ("voice", self.voice_port))
        for name, port in services:
            with (self.workdir / f"{name}.log").open("wb") as log:
                self.procs[name] = subprocess.Popen(
                    [sys.executable, "-m", f"chorus_{name}"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            wait_for_port(port, self.procs[name])
        if self.voice:
            self.wait_voice_serving()
        self.wait_ready()

    def wait_voice_serving(self, timeout: float = 120.0) -> None:
        """The voice service listens at once but serves once its models are loaded."""
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        deadline = time.monotonic() + timeout
        with grpc.insecure_channel(f"127.0.0.1:{self.voice_port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                try:
                    status = health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                    if status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.2)
        raise TimeoutError("the voice service never became ready")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.http}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the gateway never became ready")

    def metrics_url(self, name: str) -> str:
        """Where a service's Prometheus metrics are (the gateway serves its own)."""
        port = {
            "room": self.room_metrics_port,
            "chat": self.chat_metrics_port,
            "voice": self.voice_metrics_port,
        }.get(name)
        return f"{self.http}/metrics" if port is None else f"http://127.0.0.1:{port}/metrics"

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def stop(self) -> dict[str, int]:
        """SIGTERM each service (gateway first) and return their exit codes."""
        codes: dict[str, int] = {}
        for name in ("gateway", "room", "chat", "voice"):
            proc = self.procs.get(name)
            if proc is None:
                continue
            proc.terminate()
            try:
                codes[name] = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
        return codes
