"""Rule checks for one persona reply: does it stay in character?

Each check is a small pure function over the reply and what it answered, so
the persona evaluation (`benchmarks/persona_eval.py`) can report which rule a
reply broke. A reply is "in character" when it passes every check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

AI_TALK = re.compile(
    r"\bas an ai\b|\blanguage model\b|\bI(?:'m| am) (?:just )?an? (?:ai|assistant|artificial)"
    r"|\bI(?:'m| am) sorry,? but I (?:can(?:'|no)t|am unable)|\bI cannot (?:help|assist)"
    r"|\bAI (?:assistant|model)\b",
    re.IGNORECASE,
)
DECLINES = re.compile(r"^\W*(?:\[\s*pass\s*\]|pass)\W*$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


@dataclass(frozen=True, slots=True)
class Probe:
    """One question to one persona, with what its answer must do."""

    persona: str
    title: str
    system_prompt: str
    question: str
    #: Words (lower case, prefixes allowed) of which an on-topic answer has one.
    topic: tuple[str, ...]
    #: The most sentences the question asks for; 0: no limit asked.
    max_sentences: int = 0


@dataclass(frozen=True, slots=True)
class Context:
    """Who else is in the room and what the reply answers."""

    asker: str
    others: Sequence[str] = ()
    #: Messages already in the room the reply must not repeat.
    earlier: Sequence[str] = ()


@dataclass(slots=True)
class Verdict:
    failed: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed


def sentences(text: str) -> int:
    body = re.sub(r"\s+", " ", text.strip())
    if not body:
        return 0
    ends = len(_SENTENCE_END.findall(body))
    return ends + (0 if _SENTENCE_END.search(body[-1:] or " ") else 1)


def similar(a: str, b: str) -> float:
    """0..1: how much of two texts is the same, ignoring case and spacing."""
    norm_a = " ".join(a.lower().split())
    norm_b = " ".join(b.lower().split())
    if not norm_a or not norm_b:
        return 0.0
    return SequenceMatcher(None, norm_a, norm_b).ratio()


Check = Callable[[Probe, Context, str], bool]


def answered(_p: Probe, _c: Context, reply: str) -> bool:
    return bool(reply.strip()) and not DECLINES.match(reply)


def no_ai_talk(_p: Probe, _c: Context, reply: str) -> bool:
    return not AI_TALK.search(reply)


def no_own_name_in_front(probe: Probe, _c: Context, reply: str) -> bool:
    name = re.escape(probe.persona)
    return not re.match(rf"^\W*{name}\W*(?:\([^)]*\))?\s*[:\-\u2013\u2014]", reply, re.IGNORECASE)


def no_asker_name_in_front(_p: Probe, context: Context, reply: str) -> bool:
    name = re.escape(context.asker)
    return not re.match(rf"^\W*(?:@{name}\b|{name}\s*[,:!])", reply, re.IGNORECASE)


_SPEAKER_LINE = re.compile(r"\n\W*[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?\W*:\s")


def speaks_only_for_itself(_p: Probe, context: Context, reply: str) -> bool:
    """No line written as a participant, nor as anyone else ("\nJen: ...")."""
    names = [context.asker, *context.others]
    as_named = any(
        re.search(rf"(?:^|\n)\W*{re.escape(n)}\W*\s*:", reply, re.IGNORECASE) for n in names
    )
    return not as_named and not _SPEAKER_LINE.search(reply)


def within_length(probe: Probe, _c: Context, reply: str) -> bool:
    return not probe.max_sentences or sentences(reply) <= probe.max_sentences


def on_topic(probe: Probe, _c: Context, reply: str) -> bool:
    words = re.findall(r"[a-z']+", reply.lower())
    return any(word.startswith(t) for t in probe.topic for word in words)


def no_echo(probe: Probe, context: Context, reply: str) -> bool:
    """Not a copy of a message before it, nor the question parroted back whole."""
    return similar(reply, probe.question) < 0.9 and all(
        similar(reply, earlier) < 0.8 for earlier in context.earlier
    )


CHECKS: dict[str, Check] = {
    "answered": answered,
    "no AI talk": no_ai_talk,
    "no own name in front": no_own_name_in_front,
    "no asker name in front": no_asker_name_in_front,
    "speaks only for itself": speaks_only_for_itself,
    "within the asked length": within_length,
    "on topic": on_topic,
    "no echo": no_echo,
}


def judge(probe: Probe, context: Context, reply: str) -> Verdict:
    return Verdict([name for name, check in CHECKS.items() if not check(probe, context, reply)])
