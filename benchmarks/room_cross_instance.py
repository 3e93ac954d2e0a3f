"""Send → receive latency through the room service: one instance on the
embedded adapters, on SQLite + Redis (the bus hop alone), on DynamoDB +
Redis, and two instances on
DynamoDB + Redis with the sender on one and the receiver on the other.

    .tools/bin/uv run --no-sync python -m benchmarks.room_cross_instance [--messages 200]

Starts DynamoDB Local and a redis-server on loopback; the "gateways" are
RoomSession streams opened by this process (the services' own test client),
so the figures are the room tier's share of a browser's send → receive.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import grpc
from chorus.v1 import room_pb2, room_pb2_grpc
from chorus_room.config import RoomSettings
from chorus_room.server import RoomServer
from pydantic import SecretStr

from services.room.tests.fakes import ScriptedCompleter
from services.room.tests.servers import DynamoDBLocal, RedisServer
from services.room.tests.session_client import SessionClient


def scaled(
    base: RoomSettings, dynamodb: DynamoDBLocal, redis: RedisServer, table: str
) -> RoomSettings:
    return base.model_copy(
        update={
            "store": "dynamodb",
            "bus": "redis",
            "redis_url": redis.url,
            "dynamodb_table": table,
            "dynamodb_endpoint": dynamodb.endpoint,
            "dynamodb_access_key_id": "local",
            "dynamodb_secret_access_key": SecretStr("local"),
            "dynamodb_create_table": True,
        }
    )


async def run(settings: list[RoomSettings], messages: int) -> list[float]:
    servers = [RoomServer(s, completer=ScriptedCompleter()) for s in settings]
    channels = []
    try:
        stubs = []
        for server in servers:
            port = await server.start()
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
            channels.append(channel)
            stubs.append(room_pb2_grpc.RoomServiceStub(channel))
        created = await stubs[0].CreateRoom(room_pb2.CreateRoomRequest(name="Bench"))
        sender = SessionClient(stubs[0], created.room.id)
        receiver = SessionClient(stubs[-1], created.room.id)
        await sender.join("s", created.invite_token, "Sender")
        await receiver.join("r", created.invite_token, "Receiver")
        latencies = []
        for i in range(messages + 20):
            start = time.perf_counter()
            await sender.send("s", f"m{i}", client_msg_id=f"c{i}")
            await receiver.events_until("r", lambda e, i=i: e.message.text == f"m{i}")
            if i >= 20:  # warm-up excluded
                latencies.append((time.perf_counter() - start) * 1000)
        await sender.aclose()
        await receiver.aclose()
        return latencies
    finally:
        for channel in channels:
            await channel.close(grace=None)
        for server in servers:
            await server.stop(grace=0.5)


async def main(messages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = RoomSettings(
            host="127.0.0.1",
            port=0,
            database=str(Path(tmp) / "bench.db"),
            chat_target="127.0.0.1:1",
        )
        dynamodb, redis = DynamoDBLocal(), RedisServer(Path(tmp))
        dynamodb.start()
        redis.start()
        try:
            table = f"bench-{uuid.uuid4().hex[:8]}"
            results = {
                "1 instance, SQLite + in-process": await run([base], messages),
                "1 instance, SQLite + Redis": await run(
                    [base.model_copy(update={"bus": "redis", "redis_url": redis.url})], messages
                ),
                "1 instance, DynamoDB + Redis": await run(
                    [scaled(base, dynamodb, redis, table + "a")], messages
                ),
                "2 instances, A -> B": await run(
                    [scaled(base, dynamodb, redis, table + "b")] * 2, messages
                ),
            }
        finally:
            dynamodb.stop()
            redis.stop()
    print(f"{'send -> receive (ms)':36}{'p50':>8}{'p99':>8}")
    for name, values in results.items():
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        print(f"{name:36}{statistics.median(values):>8.2f}{p99:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200)
    asyncio.run(main(parser.parse_args().messages))
