from __future__ import annotations

from chorus_room.domain.window import window_start


def test_everything_shown_while_it_fits() -> None:
    assert window_start([10, 10, 10], None, budget=100) == 0
    assert window_start([30, 30, 30], None, budget=100) == 2  # a fresh window fills half
    assert window_start([30, 30, 30], 0, budget=100) == 0  # the anchor holds


def test_the_anchor_holds_until_the_budget_is_full_then_moves_in_one_step() -> None:
    costs = [10] * 10
    assert window_start(costs, 0, budget=100) == 0
    costs.append(10)  # 110 from the anchor: over budget
    start = window_start(costs, 0, budget=100)
    assert start == 6 and sum(costs[start:]) == 50


def test_the_newest_message_is_always_shown() -> None:
    assert window_start([5, 500], None, budget=100) == 1
    assert window_start([500], 0, budget=100) == 0


def test_consecutive_windows_extend_each_other() -> None:
    """Between moves, each window starts where the last one did."""
    costs: list[int] = []
    anchor: int | None = None
    moves = 0
    for _ in range(100):
        costs.append(7)
        start = window_start(costs, anchor, budget=100)
        moves += start != anchor
        anchor = start
        assert sum(costs[start:]) <= 100
    assert moves <= 100 * 7 // 50 + 1
