from __future__ import annotations

import asyncio

import pytest
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.gate import ModelGate


async def _take(gate: ModelGate, name: str, order: list[str]) -> None:
    await gate.acquire()
    order.append(name)


@pytest.mark.asyncio
async def test_waiters_are_admitted_in_arrival_order() -> None:
    gate = ModelGate("m", capacity=1, max_waiting=8)
    await gate.acquire()
    order: list[str] = []
    async with asyncio.TaskGroup() as group:
        for name in "abcd":
            group.create_task(_take(gate, name, order))
            await asyncio.sleep(0)
        for expected in range(1, 5):
            await asyncio.sleep(0)
            assert len(order) == expected - 1
            gate.release()
            await asyncio.sleep(0)
    assert order == ["a", "b", "c", "d"]


@pytest.mark.asyncio
async def test_over_the_waiting_limit_is_overloaded_and_retryable() -> None:
    gate = ModelGate("m", capacity=1, max_waiting=1)
    await gate.acquire()
    waiter = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)

    with pytest.raises(ChatError) as info:
        await gate.acquire()

    assert info.value.code is ErrorCode.OVERLOADED
    assert info.value.retryable
    gate.release()
    await waiter


@pytest.mark.asyncio
async def test_a_cancelled_waiter_gives_up_its_place() -> None:
    gate = ModelGate("m", capacity=1, max_waiting=2)
    await gate.acquire()
    order: list[str] = []
    first = asyncio.create_task(_take(gate, "first", order))
    second = asyncio.create_task(_take(gate, "second", order))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)

    gate.release()
    await second

    assert order == ["second"]
    assert first.cancelled()
    assert gate.waiting == 0


@pytest.mark.asyncio
async def test_a_waiter_cancelled_as_it_is_granted_passes_the_slot_on() -> None:
    gate = ModelGate("m", capacity=1, max_waiting=2)
    await gate.acquire()
    order: list[str] = []
    first = asyncio.create_task(_take(gate, "first", order))
    second = asyncio.create_task(_take(gate, "second", order))
    await asyncio.sleep(0)
    gate.release()  # granted to `first`...
    first.cancel()  # ...which is cancelled before it runs
    await second

    assert order == ["second"]


@pytest.mark.asyncio
async def test_capacity_lets_several_run_at_once() -> None:
    gate = ModelGate("m", capacity=2, max_waiting=0)
    await gate.acquire()
    await gate.acquire()
    with pytest.raises(ChatError):
        await gate.acquire()
    gate.release()
    await gate.acquire()
