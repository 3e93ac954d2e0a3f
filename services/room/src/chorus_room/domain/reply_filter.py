"""Cleans a persona's streamed reply as it arrives.

Small models often start a reply the way the transcript starts its lines:
with their own name ("Ada: ...", "**Ada:** ...", "[Ada] ..."), with the
name of whoever asked ("@Sam, ..."), or as someone else altogether
("Rex: ..."). Some answer the decline marker, or a bare "Pass". The filter
holds back only as much of the start as could still turn out to be one of
these, so streaming stays immediate:

- its own name in front is removed, and so is the asker's;
- a reply that starts as another participant is refused (`impersonated`):
  nothing of it is shown, and the room treats it as not answered;
- "[pass]" at the start, or a reply that is only "pass", is a decline;
- with ``cut_new_speakers`` (a model that writes the chat itself), the reply
  ends where the model starts a new line as a speaker ("\nJen: ..."), even
  one who is not in the room: `finished` tells the caller to stop the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DECLINE_MARKER = "[pass]"
_MARKUP = re.compile(r"^(?:\*\*|__|\[|@)\s*")
#: How far past a name a reply may run before it cannot be a "Name (title):" prefix.
_TITLE_ALLOWANCE = 40
_BARE_PASS = re.compile(r"\W*\[?\s*pass\s*\]?\W*", re.IGNORECASE)
_COULD_BE_PASS = re.compile(r"\W*\[?\s*(?:p|pa|pas|pass)?\s*\]?\W*", re.IGNORECASE)


_NAME_END = r"\s*(?:\*\*|__|\])?\s*(?:\([^)]*\)\s*)?"


def _as_speaker(name: str, endings: str) -> re.Pattern[str]:
    """``name`` as the speaker of a line: "Name:", "**Name:**", "[Name]", "Name (title):"."""
    n = re.escape(name)
    return re.compile(
        rf"^\s*(?:\*\*|__|\[)?\s*{n}{_NAME_END}(?:[{endings}]\s*(?:\*\*|__)?\s*|(?<=\])\s+)",
        re.IGNORECASE,
    )


def _as_addressee(name: str) -> re.Pattern[str]:
    """``name`` addressed at the start: "@Sam, ...", "@Sam ...", "Sam, ...", "@Sam: ..."."""
    n = re.escape(name)
    return re.compile(rf"^\s*(?:@{n}(?!\w)\s*[,:!\-]?|{n}\s*[,!])\s*", re.IGNORECASE)


#: A transcript line's speaker: one or two capitalised words and a colon.
_SPEAKER_LINE = re.compile(
    r"^[ \t]*(?:\*\*|__|\[)?[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?"
    r"(?:(?:\*\*|__|\])?:|:(?:\*\*|__))(?:\s|$)"
)
_COULD_BE_SPEAKER = re.compile(
    r"^[ \t]*(?:\*\*|__|\[)?(?:[A-Z][\w.'-]*(?: (?:[A-Z][\w.'-]*)?)?)?(?:\*\*|__|\]|:\*?)?$"
)


class _NewSpeakerGuard:
    """Holds back the start of each new line until it is clearly not a
    "Name:" line; ends the text at one that is."""

    def __init__(self) -> None:
        self._held = ""
        self.cut = False

    def feed(self, text: str) -> str:
        if self.cut:
            return ""
        buffer, self._held = self._held + text, ""
        out = ""
        while (newline := buffer.find("\n")) >= 0:
            out += buffer[:newline]
            rest = buffer[newline + 1 :]
            end = rest.find("\n")
            line = rest if end < 0 else rest[:end]
            if _SPEAKER_LINE.match(line):
                self.cut = True
                return out
            if end < 0 and _COULD_BE_SPEAKER.match(line):
                self._held = buffer[newline:]
                return out
            out += "\n" + line
            buffer = rest[len(line) :]
        return out + buffer

    def flush(self) -> str:
        held, self._held = self._held, ""
        return "" if self.cut else held


class ReplyFilter:
    def __init__(
        self,
        persona_name: str,
        *,
        others: Sequence[str] = (),
        asker: str = "",
        cut_new_speakers: bool = False,
    ) -> None:
        own = persona_name.strip()
        self._lines = _NewSpeakerGuard() if cut_new_speakers else None
        asker = asker.strip()
        #: (name, pattern, what a match means): "strip" it, or the reply is "as" that name.
        self._rules: list[tuple[str, re.Pattern[str], str]] = [
            (own, _as_speaker(own, r":\-\u2013\u2014"), "strip")
        ]
        if asker and asker.casefold() != own.casefold():
            self._rules.append((asker, _as_addressee(asker), "strip"))
        # Longest first, so "Ada Lovelace:" is not taken for "Ada".
        for name in sorted({n.strip() for n in others} - {own, ""}, key=len, reverse=True):
            self._rules.append((name, _as_speaker(name, ":"), "as"))
        self._pending = ""
        self._decided = False
        self._started = False
        self.declined = False
        #: The participant the reply started writing as, if it did.
        self.impersonated = ""

    def feed(self, text: str) -> str:
        """Text to show now (possibly empty)."""
        if self._decided:
            return self._emit(text)
        self._pending += text
        stripped = self._pending.lstrip()
        if not stripped:
            return ""
        if stripped.lower().startswith(DECLINE_MARKER):
            return self._decline()
        if _COULD_BE_PASS.fullmatch(stripped):
            return ""  # could still be "[pass]" or a bare "pass"
        rule, match, undecided = self._match(final=False)
        if undecided:
            return ""
        return self._decide(rule, match)

    @property
    def finished(self) -> bool:
        """The reply is over whatever the model writes next."""
        return self.declined or bool(self.impersonated) or bool(self._lines and self._lines.cut)

    def flush(self) -> str:
        """Whatever is still held back, at the end of the stream."""
        if self._decided:
            return self._lines.flush() if self._lines else ""
        if self._pending.strip() and _BARE_PASS.fullmatch(self._pending.strip()):
            return self._decline()
        rule, match, _ = self._match(final=True)
        shown = self._decide(rule, match)
        return shown + (self._lines.flush() if self._lines else "")

    # ---------------------------------------------------------- deciding

    def _match(self, *, final: bool) -> tuple[tuple[str, str] | None, re.Match[str] | None, bool]:
        """The rule the start of the reply matches, and whether more text
        could still change that."""
        text = self._pending
        lead = _MARKUP.sub("", text.lstrip()).casefold()
        undecided = False
        for name, pattern, action in self._rules:
            folded = name.casefold()
            if folded.startswith(lead):
                undecided = undecided or not final  # the name itself is still arriving
                continue
            if not lead.startswith(folded) or lead[len(folded) :][:1].isalnum():
                continue
            match = pattern.match(text)
            if match and (final or match.end() < len(text)):
                return (name, action), match, False
            if not final and len(lead) <= len(folded) + _TITLE_ALLOWANCE and "\n" not in lead:
                undecided = True  # "Name (title):" may still be arriving
        return None, None, undecided

    def _decide(self, rule: tuple[str, str] | None, match: re.Match[str] | None) -> str:
        self._decided = True
        pending, self._pending = self._pending, ""
        if rule is not None and match is not None:
            name, action = rule
            if action == "as":
                self.impersonated = name
                return ""
            pending = pending[match.end() :]
        return self._emit(pending)

    def _decline(self) -> str:
        self._decided = True
        self._pending = ""
        self.declined = True
        return ""

    def _emit(self, text: str) -> str:
        if self.declined or self.impersonated:
            return ""
        if not self._started:
            text = text.lstrip()
            if not text:
                return ""
            self._started = True
        return self._lines.feed(text) if self._lines else text
