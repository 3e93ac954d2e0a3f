"""Store throughput and history-page latency: DynamoDB (on AWS's DynamoDB
Local, started here on loopback) beside the embedded SQLite store.

    .tools/bin/uv run --no-sync python -m benchmarks.store_dynamodb [--messages 1000] [--rooms 10]

Prints, for each store: messages stored per second in one room (appends one
after another, as a room's seq serializes them) and across rooms at once,
then the latency of a 50-event history page (newest page, and pages at random
points backwards and forwards). DynamoDB Local is a Java process on the same
cores, not a cloud service: compare stores within one run, and expect AWS to
add network latency (single-digit ms per call in-region) but not the CPU cost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from chorus.v1 import room_pb2
from chorus_room.adapters.dynamodb import DynamoStore
from chorus_room.adapters.sqlite_store import SqliteStore
from chorus_room.ports.store import RoomRecord, Store

from services.room.tests.servers import DynamoDBLocal

PAGE = 50


def room(room_id: str) -> RoomRecord:
    return RoomRecord(room_id, "Bench", "", 1, "i", "o")


def message(n: int) -> room_pb2.RoomEvent:
    text = (
        f"message {n}: " + "a typical chat line of about a hundred characters, give or take. " * 1
    )
    return room_pb2.RoomEvent(
        message=room_pb2.Message(id=f"m{n}-{uuid.uuid4().hex[:8]}", text=text, author_id="h1"),
        at_ms=int(time.time() * 1000),
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def measure(store: Store, messages: int, rooms: int) -> dict[str, float]:
    await store.create_room(room("one"))
    start = time.perf_counter()
    for n in range(messages):
        await store.append("one", message(n), dedupe_key=f"h1:{n}")
    one_room = messages / (time.perf_counter() - start)

    for r in range(rooms):
        await store.create_room(room(f"r{r}"))
    per_room = max(1, messages // rooms)

    async def fill(r: int) -> None:
        for n in range(per_room):
            await store.append(f"r{r}", message(n), dedupe_key=f"h1:{n}")

    start = time.perf_counter()
    await asyncio.gather(*(fill(r) for r in range(rooms)))
    many_rooms = per_room * rooms / (time.perf_counter() - start)

    rng = random.Random(1)
    newest = await timed(lambda: store.events_before("one", 0, PAGE), 100)
    back = await timed(lambda: store.events_before("one", rng.randint(PAGE, messages), PAGE), 100)
    forward = await timed(lambda: store.events_after("one", rng.randint(0, messages), PAGE), 100)
    return {
        "one room msg/s": one_room,
        f"{rooms} rooms msg/s": many_rooms,
        "newest page p50 ms": statistics.median(newest),
        "newest page p99 ms": pct(newest, 0.99),
        "back page p50 ms": statistics.median(back),
        "forward page p50 ms": statistics.median(forward),
        "forward page p99 ms": pct(forward, 0.99),
    }


async def main(messages: int, rooms: int) -> None:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = await SqliteStore.open(str(Path(tmp) / "bench.db"))
        try:
            results["sqlite"] = await measure(sqlite, messages, rooms)
        finally:
            await sqlite.aclose()
    server = DynamoDBLocal()
    server.start()
    try:
        dynamo = await DynamoStore.open(
            table="chorus-bench",
            region="us-east-1",
            endpoint_url=server.endpoint,
            access_key_id="local",
            secret_access_key="local",
        )
        try:
            await dynamo.create_table()
            results["dynamodb-local"] = await measure(dynamo, messages, rooms)
        finally:
            await dynamo.aclose()
    finally:
        server.stop()
    names = list(results)
    rows = list(results[names[0]])
    print(f"{'':24}" + "".join(f"{n:>16}" for n in names))
    for row in rows:
        print(f"{row:24}" + "".join(f"{results[n][row]:>16.1f}" for n in names))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rooms))
