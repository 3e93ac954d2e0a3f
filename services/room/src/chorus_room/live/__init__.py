"""Shared live state on Redis: chain budget, presence, active replies, and
interrupts relayed over the bus (issue 9, item 3)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from chorus_room.ports.live import LiveStateError


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Redis and connection failures become ``LiveStateError``; but a
    cancellation that redis-py turned into a connection error (a command cut
    short by ``task.cancel()``) stays a cancellation: an interrupted reply
    must not go on because a write of its text was cut."""
    try:
        yield
    except (RedisError, OSError) as exc:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError from exc
        raise LiveStateError(f"{what}: {exc}") from exc
