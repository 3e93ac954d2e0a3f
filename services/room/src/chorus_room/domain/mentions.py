"""@mention parsing: participant names (case-insensitive, multi-word), @all/@everyone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from chorus.v1 import room_pb2

EVERYONE = ("all", "everyone")
_WORD = re.compile(r"[\w.-]*\w", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Mentions:
    #: Mentioned participants' ids, in order of first mention, no repeats.
    ids: list[str] = field(default_factory=list)
    #: True when @all or @everyone was used.
    everyone: bool = False
    #: Words after an @ that name nobody in the room.
    unknown: list[str] = field(default_factory=list)
    #: Of ``ids``, those asked something: a question mark follows the mention.
    asked: list[str] = field(default_factory=list)


_ADDRESS = re.compile(r"^[\s,:;.!\-\u2013\u2014]*")
_SENTENCE = re.compile(r"[^.!?]*[.!?]")


def _asks(after: str) -> bool:
    """Whether the sentence after a mention (past an address like "@Rex," or
    "@Rex.") is a question."""
    sentence = _SENTENCE.match(_ADDRESS.sub("", after, count=1))
    return sentence is not None and sentence.group().endswith("?")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def parse_mentions(text: str, participants: Sequence[room_pb2.Participant]) -> Mentions:
    # Longest names first, so "@Ada Lovelace" beats "@Ada".
    names = sorted(
        ((p.name.casefold(), p.id) for p in participants if p.name),
        key=lambda item: len(item[0]),
        reverse=True,
    )
    folded = text.casefold()
    result = Mentions()
    i = 0
    while (at := folded.find("@", i)) != -1:
        i = at + 1
        if at > 0 and _is_word_char(folded[at - 1]):
            continue  # an e-mail address, not a mention
        rest = folded[at + 1 :]
        match = next(
            (
                (name, pid)
                for name, pid in names
                if rest.startswith(name)
                and not (len(rest) > len(name) and _is_word_char(rest[len(name)]))
            ),
            None,
        )
        if match is not None:
            if match[1] not in result.ids:
                result.ids.append(match[1])
            if match[1] not in result.asked and _asks(text[at + 1 + len(match[0]) :]):
                result.asked.append(match[1])
            i = at + 1 + len(match[0])
            continue
        word = _WORD.match(text, at + 1)
        if word is None:
            continue
        if word.group().casefold() in EVERYONE:
            object.__setattr__(result, "everyone", True)
        elif word.group() not in result.unknown:
            result.unknown.append(word.group())
        i = word.end()
    return result
