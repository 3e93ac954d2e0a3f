"""How many replies personas may trigger in a room: a sliding-window budget."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class ChainBudget:
    def __init__(self, limit: int, window_s: float) -> None:
        self._limit = limit
        self._window_s = window_s
        self._spent: defaultdict[str, deque[float]] = defaultdict(deque)

    def try_spend(self, room_id: str) -> bool:
        now = time.monotonic()
        spent = self._spent[room_id]
        while spent and now - spent[0] > self._window_s:
            spent.popleft()
        if len(spent) >= self._limit:
            return False
        spent.append(now)
        return True
