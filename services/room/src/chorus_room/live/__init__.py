"""Shared live state on Redis: chain budget, presence, active replies, and
interrupts relayed over the bus (issue 9, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

from chorus_room.ports.live import LiveStateError


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Redis and connection failures become ``LiveStateError``."""
    try:
        yield
    except (RedisError, OSError) as exc:
        raise LiveStateError(f"{what}: {exc}") from exc
