"""Whether a reply only repeats something already said in the room.

Small models in a room of several personas often answer with the reply
before theirs, nearly word for word. Such a reply adds nothing: the room
drops it as a decline.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

#: Shorter replies ("Yes.", "Agreed!") may well be said twice.
MIN_CHARS = 24
#: How alike two texts must be (0..1) to count as the same.
THRESHOLD = 0.8


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def repeats(text: str, earlier: Iterable[str]) -> bool:
    """``text`` is (nearly) one of ``earlier``, or contains one whole."""
    mine = _normal(text)
    if len(mine) < MIN_CHARS:
        return False
    for other in earlier:
        theirs = _normal(other)
        if len(theirs) < MIN_CHARS:
            continue
        if theirs in mine or SequenceMatcher(None, mine, theirs).ratio() >= THRESHOLD:
            return True
    return False
