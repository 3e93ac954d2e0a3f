"""Who speaks next: which personas answer a message, in which order.

A message that names personas (@Ada, @all) is answered by them, whatever the
room's policy. A message that names nobody is answered according to the
room's turn-taking policy:

- ``mentioned-only``: nobody (the default);
- ``round-robin``: the persona after the one that spoke last, in join order;
- ``natural``: personas whose name appears in the text (without @) first,
  then each other persona by chance, weighted by its talkativeness and by how
  much the message is about what it knows (its title and prompt); one at
  least, at most `NATURAL_MAX`; SillyTavern's "natural" order is the model;
- ``moderator``: a model picks (see `orchestration.py`); this module only
  names the candidates.

Muted personas answer nothing, named or not. Pure functions: the caller
passes the randomness.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

#: The most personas a "natural" turn lets speak.
NATURAL_MAX = 2
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_COMMON = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "because",
        "been",
        "before",
        "being",
        "could",
        "does",
        "doing",
        "down",
        "each",
        "from",
        "have",
        "here",
        "into",
        "just",
        "like",
        "make",
        "many",
        "more",
        "most",
        "much",
        "must",
        "only",
        "other",
        "over",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "very",
        "want",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
        "you're",
        "yours",
    ]
)


class TurnPolicy(StrEnum):
    MENTIONED_ONLY = "mentioned-only"
    ROUND_ROBIN = "round-robin"
    NATURAL = "natural"
    MODERATOR = "moderator"


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    name: str
    #: The persona's title and prompt: what it knows about.
    about: str = ""
    #: 0..1: how readily it joins in when nobody named it.
    talkativeness: float = 0.5
    muted: bool = False


def words(text: str) -> set[str]:
    """The telling words of ``text``, a plural's "s" dropped ("bridges": "bridge")."""
    found = (w for w in _WORD.findall(text.casefold()) if w not in _COMMON)
    return {w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in found}


def expertise(candidate: Candidate, text: str) -> float:
    """0..1: the share of the message's words that the persona's profile uses."""
    said = words(text)
    if not said:
        return 0.0
    return len(said & words(candidate.about)) / len(said)


def named_in(text: str, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Personas whose name appears as a word in ``text``, in order of appearance."""
    folded = text.casefold()
    found: list[tuple[int, Candidate]] = []
    for candidate in candidates:
        match = re.search(rf"(?<!\w){re.escape(candidate.name.casefold())}(?!\w)", folded)
        if match:
            found.append((match.start(), candidate))
    return [c for _, c in sorted(found, key=lambda item: item[0])]


def next_speakers(
    policy: TurnPolicy,
    text: str,
    candidates: Sequence[Candidate],
    *,
    last_speaker: str = "",
    rng: random.Random,
) -> list[Candidate]:
    """Who answers a message that @mentions nobody (``candidates`` in join order)."""
    speaking = [c for c in candidates if not c.muted]
    if not speaking or policy is TurnPolicy.MENTIONED_ONLY:
        return []
    if policy is TurnPolicy.ROUND_ROBIN:
        ids = [c.id for c in speaking]
        after = ids.index(last_speaker) + 1 if last_speaker in ids else 0
        return [speaking[after % len(speaking)]]
    if policy is TurnPolicy.MODERATOR:
        return speaking  # the moderator model chooses among them
    return _natural(text, speaking, rng)


def _natural(text: str, speaking: Sequence[Candidate], rng: random.Random) -> list[Candidate]:
    chosen = named_in(text, speaking)[:NATURAL_MAX]
    for candidate in rng.sample(list(speaking), len(speaking)):
        if len(chosen) >= NATURAL_MAX:
            break
        if candidate in chosen:
            continue
        # Talkativeness, raised towards 1 by how much the message is its field.
        known = expertise(candidate, text)
        chance = candidate.talkativeness + known * (1 - candidate.talkativeness)
        if rng.random() < chance:
            chosen.append(candidate)
    if not chosen:
        weights = [0.05 + c.talkativeness + expertise(c, text) for c in speaking]
        chosen = [rng.choices(list(speaking), weights=weights)[0]]
    return chosen


def asked(candidates: Sequence[Candidate], mentioned_ids: Sequence[str]) -> list[Candidate]:
    """The named personas that answer (muted ones do not), in mention order."""
    by_id = {c.id: c for c in candidates if not c.muted}
    return [by_id[i] for i in mentioned_ids if i in by_id]
