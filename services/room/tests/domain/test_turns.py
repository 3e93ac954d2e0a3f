from __future__ import annotations

import random
from collections import Counter

from chorus_room.domain.turns import (
    Candidate,
    TurnPolicy,
    asked,
    expertise,
    named_in,
    next_speakers,
)

ADA = Candidate("p1", "Ada", "Historian. You love Rome, empires and old roads.", 0.5)
REX = Candidate("p2", "Rex", "Engineer. You build bridges and care about loads and steel.", 0.5)
MIRA = Candidate("p3", "Mira", "Poet. You write about the sea and the moon.", 0.5)
ROOM = [ADA, REX, MIRA]


def plan(policy: TurnPolicy, text: str, last: str = "", seed: int = 1) -> list[str]:
    chosen = next_speakers(policy, text, ROOM, last_speaker=last, rng=random.Random(seed))
    return [c.name for c in chosen]


def test_mentioned_only_answers_nothing_unnamed() -> None:
    assert plan(TurnPolicy.MENTIONED_ONLY, "anyone there?") == []


def test_round_robin_goes_around_in_join_order() -> None:
    assert plan(TurnPolicy.ROUND_ROBIN, "hi") == ["Ada"]
    assert plan(TurnPolicy.ROUND_ROBIN, "hi", last="p1") == ["Rex"]
    assert plan(TurnPolicy.ROUND_ROBIN, "hi", last="p3") == ["Ada"]


def test_natural_puts_a_persona_named_without_at_first() -> None:
    for seed in range(20):
        assert plan(TurnPolicy.NATURAL, "what would Mira say about this?", seed=seed)[0] == "Mira"


def test_natural_favours_the_expert_and_always_has_someone() -> None:
    firsts: Counter[str] = Counter()
    for seed in range(300):
        speakers = plan(TurnPolicy.NATURAL, "how much load can a steel bridge carry?", seed=seed)
        assert 1 <= len(speakers) <= 2
        firsts.update(speakers)
    assert firsts["Rex"] > firsts["Ada"] and firsts["Rex"] > firsts["Mira"]


def test_a_quiet_persona_rarely_joins_in() -> None:
    quiet = [Candidate("p1", "Ada", "", 0.0), Candidate("p2", "Rex", "", 1.0)]
    joined: Counter[str] = Counter()
    for seed in range(100):
        joined.update(
            c.name
            for c in next_speakers(TurnPolicy.NATURAL, "hello", quiet, rng=random.Random(seed))
        )
    assert joined["Rex"] == 100 and joined["Ada"] < 10


def test_muted_personas_answer_nothing() -> None:
    muted = [Candidate("p1", "Ada", muted=True), REX]
    assert [c.name for c in asked(muted, ["p1", "p2"])] == ["Rex"]
    assert next_speakers(TurnPolicy.ROUND_ROBIN, "x", [muted[0]], rng=random.Random(0)) == []


def test_the_moderator_chooses_among_everyone_unmuted() -> None:
    assert plan(TurnPolicy.MODERATOR, "x") == ["Ada", "Rex", "Mira"]


def test_helpers() -> None:
    assert [c.name for c in named_in("mira and ada, please", ROOM)] == ["Mira", "Ada"]
    assert named_in("adamant", ROOM) == []
    assert expertise(REX, "steel bridge loads") == 1.0
    assert expertise(MIRA, "steel bridge loads") == 0.0
