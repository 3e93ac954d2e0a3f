"""The DynamoDB store beyond the shared contract: several instances on one
table, limits, retries and errors, and an endpoint that stops answering."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from botocore.exceptions import ClientError, EndpointConnectionError
from chorus.v1 import room_pb2
from chorus_common.metrics import sample
from chorus_room.adapters.dynamodb import DynamoStore, RetryPolicy, client_config
from chorus_room.adapters.dynamodb.retry import call, is_transient
from chorus_room.ports.store import RoomRecord, StoreError
from prometheus_client import REGISTRY

from ..conftest import open_dynamo_store
from ..servers import DynamoDBLocal


def room(room_id: str = "r1") -> RoomRecord:
    return RoomRecord(
        id=room_id, name="Lab", description="", created_at_ms=1, invite_hash="i", owner_hash="o"
    )


def message(text: str) -> room_pb2.RoomEvent:
    return room_pb2.RoomEvent(message=room_pb2.Message(id=f"m-{text}", text=text), at_ms=5)


@pytest_asyncio.fixture
async def two_instances(
    dynamodb_local: DynamoDBLocal,
) -> AsyncIterator[tuple[DynamoStore, DynamoStore]]:
    """Two stores on one table: two room-service instances."""
    one = await open_dynamo_store(dynamodb_local)
    two = await open_dynamo_store(dynamodb_local, one._table)
    yield one, two
    await one.aclose()
    await two.aclose()


@pytest.mark.asyncio
async def test_two_instances_never_share_or_skip_a_seq(
    two_instances: tuple[DynamoStore, DynamoStore],
) -> None:
    one, two = two_instances
    await one.create_room(room())
    appends = [
        store.append("r1", message(f"{n}-{i}"))
        for i in range(25)
        for n, store in (("one", one), ("two", two))
    ]
    races = sample(REGISTRY, "chorus_room_store_seq_races_total")
    results = await asyncio.gather(*appends)
    assert sorted(r.event.seq for r in results) == list(range(1, 51))
    assert sample(REGISTRY, "chorus_room_store_seq_races_total") > races  # and they were won
    page = await one.events_after("r1", 0, 100)
    assert [e.seq for e in page.events] == list(range(1, 51))
    assert len({e.message.id for e in page.events}) == 50
    got = await two.get_room("r1")
    assert got is not None and got.last_seq == 50


@pytest.mark.asyncio
async def test_one_send_retried_on_two_instances_is_stored_once(
    two_instances: tuple[DynamoStore, DynamoStore],
) -> None:
    one, two = two_instances
    await one.create_room(room())
    results = await asyncio.gather(
        *(store.append("r1", message("hi"), dedupe_key="h1:c1") for store in (one, two, one, two))
    )
    assert sum(not r.duplicate for r in results) == 1
    assert {r.event.seq for r in results} == {1}
    assert [e.seq for e in (await two.events_after("r1", 0, 10)).events] == [1]


@pytest.mark.asyncio
async def test_an_event_too_large_for_the_store_is_refused(dynamodb_local: DynamoDBLocal) -> None:
    store = await open_dynamo_store(dynamodb_local)
    try:
        await store.create_room(room())
        noise = "".join(
            random.Random(1).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=2_000_000)
        )
        with pytest.raises(StoreError) as refused:
            await store.append("r1", message(noise))
        assert not refused.value.retryable
        assert (await store.append("r1", message("fine"))).event.seq == 1
    finally:
        await store.aclose()


@pytest.mark.asyncio
async def test_a_missing_table_is_a_typed_error_that_is_not_retried(
    dynamodb_local: DynamoDBLocal,
) -> None:
    store = await DynamoStore.open(
        table=f"missing-{uuid.uuid4().hex[:8]}",
        region="us-east-1",
        endpoint_url=dynamodb_local.endpoint,
        access_key_id="local",
        secret_access_key="local",
    )
    try:
        with pytest.raises(StoreError) as failed:
            await store.get_room("r1")
        assert not failed.value.retryable
        assert "ResourceNotFoundException" in str(failed.value)
    finally:
        await store.aclose()


def test_retry_policy_is_frozen_and_jittered() -> None:
    policy = RetryPolicy(attempts=3, base_delay_s=0.1, max_delay_s=0.25, rng=random.Random(3))
    with pytest.raises(AttributeError):
        policy.attempts = 5  # type: ignore[misc]
    delays = [policy.delay(n) for n in range(1, 8) for _ in range(20)]
    assert all(0 <= d <= 0.25 for d in delays)
    assert len(set(delays)) > 100  # jitter, not a fixed schedule


def throttled() -> ClientError:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "PutItem",
    )


def test_which_errors_are_transient() -> None:
    assert is_transient(throttled())
    assert is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    invalid = ClientError({"Error": {"Code": "ValidationException"}}, "Query")
    assert not is_transient(invalid)


@pytest.mark.asyncio
async def test_throttling_is_retried_then_reported_as_retryable() -> None:
    tries = 0

    async def always_throttled() -> None:
        nonlocal tries
        tries += 1
        raise throttled()

    policy = RetryPolicy(attempts=4, base_delay_s=0.001, max_delay_s=0.002)
    retries = sample(REGISTRY, "chorus_room_store_retries_total", {"operation": "put"})
    with pytest.raises(StoreError) as failed:
        await call(policy, "put", always_throttled)
    assert tries == 4 and failed.value.retryable
    assert sample(REGISTRY, "chorus_room_store_retries_total", {"operation": "put"}) == retries + 3

    outcomes: Iterator[bool] = iter([True, True, False])

    async def throttled_twice() -> str:
        if next(outcomes):
            raise throttled()
        return "ok"

    assert await call(policy, "put", throttled_twice) == "ok"


@pytest.mark.asyncio
async def test_an_unreachable_store_fails_retryably_and_nothing_is_half_written() -> None:
    """DynamoDB Local frozen for a while (as on a network cut): sends fail with
    a retryable error; clients retry with their dedupe key; in the end every
    message is stored exactly once, with no gap in the seqs."""
    server = DynamoDBLocal()
    server.start()
    store = None
    try:
        setup = await open_dynamo_store(server, "chorus-outage")  # patient: a fresh JVM is slow
        await setup.create_room(room())
        await setup.aclose()
        store = await DynamoStore.open(
            table="chorus-outage",
            region="us-east-1",
            endpoint_url=server.endpoint,
            access_key_id="local",
            secret_access_key="local",
            policy=RetryPolicy(attempts=2, base_delay_s=0.05, max_delay_s=0.1),
            config=client_config(connect_timeout_s=0.5, read_timeout_s=0.5),
        )
        failures = 0

        async def send(i: int) -> int:
            nonlocal failures
            assert store is not None
            while True:
                try:
                    result = await store.append("r1", message(str(i)), dedupe_key=f"c:{i}")
                    return result.event.seq
                except StoreError as exc:
                    if not exc.retryable:
                        raise
                    failures += 1
                    await asyncio.sleep(0.2)

        first = [await send(i) for i in range(5)]
        server.pause()
        try:
            during = asyncio.gather(*(send(i) for i in range(5, 15)))
            await asyncio.sleep(3)
        finally:
            server.resume()
        later = await during
        assert failures > 0
        seqs = sorted(first + later)
        assert seqs == list(range(1, 16))
        page = await store.events_after("r1", 0, 100)
        assert [e.seq for e in page.events] == list(range(1, 16))
        assert sorted(int(e.message.text) for e in page.events) == list(range(15))
    finally:
        if store is not None:
            await store.aclose()
        server.stop()
