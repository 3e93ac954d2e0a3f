"""Whether a reply only repeats something already said in the room.

Small models in a room of several personas often answer with the reply
before theirs, nearly word for word. Such a reply adds nothing: the room
drops it as a decline.
"""

from __future__ import annotations

import re
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


#: A last sentence this short that the question contains was parroted.
_PARROT_WORDS = 6
_LAST_SENTENCE = re.compile(r"(?:(?<=[.!?])\s+|^)([^.!?]+[.!?]*)\s*$")


def trim_parroted_tail(text: str, asked: str) -> str:
    """``text`` without a short last sentence copied from ``asked`` (small
    models end "...in the dark. Two sentences." when asked for two)."""
    match = _LAST_SENTENCE.search(text.rstrip())
    if match is None or match.start(1) == 0:
        return text
    last = _normal(match.group(1)).strip(" .!?")
    if last and len(last.split()) <= _PARROT_WORDS and last in _normal(asked):
        return text[: match.start(1)].rstrip()
    return text
