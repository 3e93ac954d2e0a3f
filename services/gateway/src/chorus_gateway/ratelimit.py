"""Token buckets: what one member, or one client address, may do per second.

A bucket holds up to ``burst`` tokens and refills at ``rate`` per second; an
action costs one token (or its size, for byte budgets). A refused action is
answered with RATE_LIMITED and how long to wait; nothing already accepted is
ever dropped.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    per_second: float
    burst: float

    @property
    def enabled(self) -> bool:
        return self.per_second > 0


class TokenBucket:
    __slots__ = ("_clock", "_rate", "_stamp", "_tokens")

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._clock = clock
        self._tokens = rate.burst
        self._stamp = clock()

    def take(self, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens: 0.0 when allowed, else the seconds to wait
        until it would be (nothing is spent then)."""
        if not self._rate.enabled:
            return 0.0
        now = self._clock()
        self._tokens = min(
            self._rate.burst, self._tokens + (now - self._stamp) * self._rate.per_second
        )
        self._stamp = now
        cost = min(cost, self._rate.burst)  # one oversized action is not refused forever
        if self._tokens >= cost:
            self._tokens -= cost
            return 0.0
        return (cost - self._tokens) / self._rate.per_second


class KeyedLimiter:
    """One bucket per key (a client address), the least recently used
    forgotten beyond ``max_keys`` (memory stays bounded)."""

    def __init__(
        self, rate: Rate, *, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, cost: float = 1.0) -> float:
        if not self._rate.enabled:
            return 0.0
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self._rate, self._clock)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return bucket.take(cost)
