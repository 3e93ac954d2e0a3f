"""Idle connections: memory per WebSocket across the server processes.

Starts the room service and the gateway as subprocesses, opens N WebSockets
spread over rooms (joined, or with --unjoined only connected), lets them
idle, and prints the growth of each server's resident memory per connection.

    .tools/bin/uv run --no-sync python services/gateway/benchmarks/idle_memory.py \
        --connections 5000 --members 100

Loopback only; needs a file-descriptor limit above the connection count.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import resource
import tempfile
import time
from pathlib import Path

import orjson
from fanout import RawWebSocket, create_rooms, servers


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--members", type=int, default=100, help="connections per room")
    parser.add_argument("--unjoined", action="store_true", help="connect without joining")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.connections + 100 > hard:
        raise SystemExit(f"the file-descriptor limit ({hard}) is too low")

    with tempfile.TemporaryDirectory() as tmp, servers({0, 1}, Path(tmp, "run"), "fanout") as procs:
        port = procs.gateway_port
        rooms = await create_rooms(port, max(1, args.connections // args.members))
        await asyncio.sleep(1.0)
        before = rss_kb(procs.room.pid), rss_kb(procs.gateway.pid)
        loop = asyncio.get_running_loop()
        welcomes = 0
        all_joined = asyncio.Event()

        def on_text(payload: bytes) -> None:
            nonlocal welcomes
            if payload.startswith(b'{"welcome"'):
                welcomes += 1
                if welcomes == args.connections:
                    all_joined.set()

        sockets = []
        started = time.monotonic()
        for i in range(args.connections):
            room_id, invite = rooms[i % len(rooms)]
            path = f"/ws/rooms/{room_id}"
            _, proto = await loop.create_connection(
                functools.partial(RawWebSocket, f"127.0.0.1:{port}", path, on_text),
                "127.0.0.1",
                port,
            )
            await proto.ready
            if not args.unjoined:
                join = {"join": {"inviteToken": invite, "displayName": f"m{i}"}}
                proto.send_text(orjson.dumps(join))
            sockets.append(proto)
        if not args.unjoined:
            await asyncio.wait_for(all_joined.wait(), 600)
        print(f"{args.connections} connections open in {time.monotonic() - started:.1f} s")
        await asyncio.sleep(3.0)  # idle
        after = rss_kb(procs.room.pid), rss_kb(procs.gateway.pid)
        room_kb = (after[0] - before[0]) / args.connections
        gateway_kb = (after[1] - before[1]) / args.connections
        state = "connected" if args.unjoined else "joined"
        print(
            f"{state}: room {room_kb:.1f} KB + gateway {gateway_kb:.1f} KB "
            f"= {room_kb + gateway_kb:.1f} KB per connection"
        )
        for proto in sockets:
            if proto.transport is not None:
                proto.transport.close()


if __name__ == "__main__":
    asyncio.run(main())
