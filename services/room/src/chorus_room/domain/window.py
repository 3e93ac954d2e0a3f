"""Which messages a persona's prompt shows: a window that moves in steps.

A window that slides by one message each turn changes the head of every
prompt, so a model server can reuse nothing of the previous one. This window
keeps its first message (its anchor) while everything from there still fits
the budget, and only then moves: to the newest messages that fill `refill` of
the budget, leaving room to grow again. Between moves every prompt extends
the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence


def window_start(
    costs: Sequence[int], anchor: int | None, *, budget: int, refill: float = 0.5
) -> int:
    """The index of the first message to show.

    ``costs`` are the messages' token costs, oldest first; the last one (the
    newest) is always shown. ``anchor`` is the index where the previous window
    started, if it is among ``costs``.
    """
    if not costs:
        return 0
    if anchor is not None and 0 <= anchor < len(costs) and sum(costs[anchor:]) <= budget:
        return anchor
    target = budget * refill
    start = len(costs) - 1
    total = costs[start]
    while start > 0 and total + costs[start - 1] <= target:
        start -= 1
        total += costs[start]
    return start
