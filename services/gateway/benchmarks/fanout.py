"""Fan-out benchmark: the room service and the gateway as subprocesses (pinned
to the server CPUs), N rooms x M members over real WebSockets on loopback,
one message sent per room at a fixed total rate; prints delivered messages/s,
send -> receive latency (p50/p99) and the CPU the server processes used.

    .tools/bin/uv run --no-sync python services/gateway/benchmarks/fanout.py \
        --rooms 10 --members 10 --rates 500,1000,2000 --seconds 5

The load side is a minimal WebSocket client (asyncio protocol, no JSON
parsing of the fan-out frames) so that it costs far less than the server it
measures. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ---------------------------------------------------------------- servers


@dataclass
class Servers:
    room: subprocess.Popen[bytes]
    gateway: subprocess.Popen[bytes]
    gateway_port: int

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by (room, gateway)."""

        def used(proc: subprocess.Popen[bytes]) -> float:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

        return used(self.room), used(self.gateway)


@contextlib.contextmanager
def servers(cpus: set[int], workdir: Path, ws_impl: str) -> Iterator[Servers]:
    workdir.mkdir()
    room_port, gateway_port = _free_port(), _free_port()
    env = {**os.environ, "CHORUS_LOG_LEVEL": "WARNING"}

    def pinned() -> None:
        os.sched_setaffinity(0, cpus)

    room = subprocess.Popen(
        [sys.executable, "-m", "chorus_room"],
        env=env
        | {
            "CHORUS_ROOM_PORT": str(room_port),
            "CHORUS_ROOM_DATABASE": str(workdir / "bench.db"),
            "CHORUS_ROOM_CHAT_TARGET": "127.0.0.1:1",
        },
        preexec_fn=pinned,
        stderr=subprocess.DEVNULL,
    )
    # FANOUT_GATEWAY_CMD: run the gateway another way (e.g. under a profiler).
    command = os.environ.get("FANOUT_GATEWAY_CMD", f"{sys.executable} -m chorus_gateway")
    gateway = subprocess.Popen(
        command.split(),
        env=env
        | {
            "CHORUS_GATEWAY_PORT": str(gateway_port),
            "CHORUS_GATEWAY_ROOM_TARGET": f"127.0.0.1:{room_port}",
            "CHORUS_GATEWAY_CHAT_TARGET": "127.0.0.1:1",
            "CHORUS_GATEWAY_WEB_DIST": str(workdir / "none"),
            "CHORUS_GATEWAY_WS_IMPL": ws_impl,
        },
        preexec_fn=pinned,
    )
    try:
        yield Servers(room, gateway, gateway_port)
    finally:
        for proc in (gateway, room):
            proc.terminate()
        for proc in (gateway, room):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def create_rooms(port: int, count: int) -> list[tuple[str, str]]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = await http.post("/api/rooms", json={"name": "bench"})
                if response.status_code == 201:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the servers did not come up")
            await asyncio.sleep(0.2)
        rooms = []
        for i in range(count):
            created = (await http.post("/api/rooms", json={"name": f"bench {i}"})).json()
            rooms.append((created["room"]["id"], created["inviteToken"]))
        return rooms


# ------------------------------------------------------------ the clients


class RawWebSocket(asyncio.Protocol):
    """Just enough of RFC 6455 for a load generator: text frames, server
    frames unmasked, client frames masked with a zero key."""

    def __init__(self, host: str, path: str, on_text: Callable[[bytes], None]) -> None:
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self._on_text = on_text
        self._buffer = bytearray()
        self._upgraded = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def send_text(self, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        assert self.transport is not None
        self.transport.write(header + b"\x00\x00\x00\x00" + payload)

    def data_received(self, data: bytes) -> None:
        buf = self._buffer
        buf += data
        pos = 0
        if not self._upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(bytes(buf[:200]))
            self._upgraded = True
            self.ready.set_result(None)
            pos = end + 4
        size = len(buf)
        on_text = self._on_text
        while size - pos >= 2:
            opcode, length = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + length:
                break
            if opcode == 1:
                on_text(bytes(buf[pos + head : pos + head + length]))
            elif opcode == 8 and not self.closed.done():
                self.closed.set_result(None)
            pos += head + length
        del buf[:pos]


@dataclass
class Tally:
    measuring: bool = False
    delivered: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    welcomes: int = 0
    errors: int = 0
    expected_welcomes: int = 0
    all_joined: asyncio.Event = field(default_factory=asyncio.Event)

    def on_text(self, payload: bytes) -> None:
        at = payload.find(b'"text":"t')
        if at >= 0:
            if self.measuring:
                end = payload.index(b'"', at + 9)
                self.delivered += 1
                self.latencies_ns.append(time.perf_counter_ns() - int(payload[at + 9 : end]))
        elif payload.startswith(b'{"welcome"'):
            self.welcomes += 1
            if self.welcomes >= self.expected_welcomes:
                self.all_joined.set()
        elif payload.startswith(b'{"error"'):
            self.errors += 1


async def run_load(
    port: int,
    rooms: list[tuple[str, str]],
    members: int,
    rate: float,
    seconds: float,
    warmup: float,
    cpu_seconds: Callable[[], tuple[float, float]],
) -> tuple[Tally, float, tuple[float, float]]:
    """Returns the tally, the measured seconds and the servers' CPU share
    (room, gateway) over them."""
    loop = asyncio.get_running_loop()
    tally = Tally(expected_welcomes=len(rooms) * members)
    sockets: list[list[RawWebSocket]] = []
    for room_id, invite in rooms:
        room_sockets = []
        for m in range(members):
            path = f"/ws/rooms/{room_id}"
            _, proto = await loop.create_connection(
                functools.partial(RawWebSocket, f"127.0.0.1:{port}", path, tally.on_text),
                "127.0.0.1",
                port,
            )
            await proto.ready
            join = {"join": {"inviteToken": invite, "displayName": f"m{m}"}}
            proto.send_text(orjson.dumps(join))
            room_sockets.append(proto)
        sockets.append(room_sockets)
    await asyncio.wait_for(tally.all_joined.wait(), 60)
    await asyncio.sleep(0.5)  # let the presence broadcasts settle

    sent = 0
    start = time.monotonic()
    measure_from, measure_to = start + warmup, start + warmup + seconds
    n_rooms = len(rooms)
    cpu_from = (0.0, 0.0)
    while True:
        now = time.monotonic()
        if now >= measure_to:
            break
        if not tally.measuring and measure_from <= now:
            tally.measuring = True
            measure_from, cpu_from = now, cpu_seconds()
        due = int((now - start) * rate)
        while sent < due:
            room_sockets = sockets[sent % n_rooms]
            sender = room_sockets[(sent // n_rooms) % members]
            payload = b'{"send":{"clientMsgId":"%d","text":"t%d"}}' % (sent, time.perf_counter_ns())
            sender.send_text(payload)
            sent += 1
        await asyncio.sleep(0.002)
    tally.measuring = False
    cpu_to = cpu_seconds()
    elapsed = time.monotonic() - measure_from
    cpu = ((cpu_to[0] - cpu_from[0]) / elapsed, (cpu_to[1] - cpu_from[1]) / elapsed)
    for room_sockets in sockets:
        for proto in room_sockets:
            if proto.transport is not None:
                proto.transport.close()
    return tally, elapsed, cpu


def _percentile(values: list[int], q: float) -> float:
    if not values:
        return float("nan")
    values.sort()
    return values[min(len(values) - 1, int(q * len(values)))] / 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=10)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument(
        "--rates", default="500,1000,2000", help="messages sent per second, all rooms together"
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--load-cpus", default="1")
    parser.add_argument("--ws-impl", default="fanout", help="the gateway's ws_impl setting")
    args = parser.parse_args()

    server_cpus = {int(c) for c in args.server_cpus.split(",")}
    os.sched_setaffinity(0, {int(c) for c in args.load_cpus.split(",")})
    print(
        f"rooms={args.rooms} members={args.members} server_cpus={sorted(server_cpus)} "
        f"load_cpus={args.load_cpus} ws={args.ws_impl}"
    )
    print(
        f"{'sent/s':>8} {'delivered/s':>12} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'room cpu':>9} {'gateway cpu':>11}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for run, rate in enumerate(float(r) for r in args.rates.split(",")):
            with servers(server_cpus, Path(tmp, f"run-{run}"), args.ws_impl) as procs:
                rooms = await create_rooms(procs.gateway_port, args.rooms)
                tally, elapsed, (room_cpu, gateway_cpu) = await run_load(
                    procs.gateway_port,
                    rooms,
                    args.members,
                    rate,
                    args.seconds,
                    args.warmup,
                    procs.cpu_seconds,
                )
            lat = tally.latencies_ns
            print(
                f"{rate:8.0f} {tally.delivered / elapsed:12.0f} {_percentile(lat, 0.5):8.1f} "
                f"{_percentile(lat, 0.99):8.1f} {room_cpu:9.0%} {gateway_cpu:11.0%}",
                flush=True,
            )
    if tally.errors:
        print(f"errors received: {tally.errors}")


if __name__ == "__main__":
    asyncio.run(main())
