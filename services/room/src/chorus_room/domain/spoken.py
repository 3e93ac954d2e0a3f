"""Mentions in what someone said aloud: there is no "@" in speech, so a
participant's name said as a word addresses them ("Ada, what do you think?"),
and "everyone" or "all of you" at the start or end of the turn addresses all
the personas."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chorus.v1 import room_pb2

from chorus_room.domain.mentions import Mentions

_EVERYONE = re.compile(
    r"^\W*(?:hey\s+|ok(?:ay)?\s+|so\s+)?(?:everyone|everybody|all of you|you all|y'all)\b"
    r"|\b(?:everyone|everybody|all of you|you all|y'all)\W*$",
    re.IGNORECASE,
)
_QUESTION = "?"


def spoken_mentions(text: str, participants: Sequence[room_pb2.Participant]) -> Mentions:
    """The participants named in ``text`` (whole words, any case), in order of
    first mention; longer names win ("Ada Lovelace" over "Ada")."""
    folded = text.casefold()
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for participant in sorted(participants, key=lambda p: len(p.name), reverse=True):
        name = participant.name.casefold()
        if not name:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            found.append((span[0], span[1], participant.id))
    found.sort()
    result = Mentions(everyone=_EVERYONE.search(text) is not None)
    for _start, end, pid in found:
        if pid not in result.ids:
            result.ids.append(pid)
        sentence_end = min(
            (i for i in (folded.find(c, end) for c in ".!?") if i != -1), default=len(folded)
        )
        if folded[sentence_end : sentence_end + 1] == _QUESTION and pid not in result.asked:
            result.asked.append(pid)
    return result
