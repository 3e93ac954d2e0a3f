"""Cleans a persona's streamed reply as it arrives.

Small models often start with their own name ("Ada: ...", "**Ada:** ...") or
answer the decline marker. The filter holds back only as much text as could
still turn out to be such a prefix, so streaming stays immediate.
"""

from __future__ import annotations

import re

DECLINE_MARKER = "[pass]"
_MARKUP = re.compile(r"^(?:\*\*|__|\[)\s*")
#: How far past its own name a reply may run before it cannot be a "Name (title):" prefix.
_TITLE_ALLOWANCE = 40


class ReplyFilter:
    def __init__(self, persona_name: str) -> None:
        name = re.escape(persona_name.strip())
        self._prefix = re.compile(
            rf"^\s*(?:\*\*|__|\[)?\s*{name}\s*(?:\*\*|__|\])?\s*(?:\([^)]*\)\s*)?[:\-\u2013\u2014]\s*(?:\*\*|__)?\s*",
            re.IGNORECASE,
        )
        self._name = persona_name.strip().casefold()
        self._pending = ""
        self._decided = False
        self._started = False
        self.declined = False

    def feed(self, text: str) -> str:
        """Text to show now (possibly empty)."""
        if self._decided:
            return self._emit(text)
        self._pending += text
        stripped = self._pending.lstrip()
        if DECLINE_MARKER.startswith(stripped.lower()) and stripped:
            return ""  # could still be "[pass]"
        if stripped.lower().startswith(DECLINE_MARKER):
            self.declined = True
            self._decided = True
            self._pending = ""
            return ""
        lead = _MARKUP.sub("", stripped).casefold()
        if self._name.startswith(lead):
            return ""  # could still become "Name:"
        if lead.startswith(self._name) and not lead[len(self._name) :][:1].isalnum():
            match = self._prefix.match(self._pending)
            if match and match.end() < len(self._pending):
                self._decided = True
                rest = self._pending[match.end() :]
                self._pending = ""
                return self._emit(rest)
            if len(lead) <= len(self._name) + _TITLE_ALLOWANCE and "\n" not in lead:
                return ""  # "Name (title):" may still be arriving
        self._decided = True
        rest, self._pending = self._pending, ""
        return self._emit(rest)

    def flush(self) -> str:
        """Whatever is still held back, at the end of the stream."""
        if self._decided:
            return ""
        self._decided = True
        pending, self._pending = self._pending, ""
        if pending.strip().lower().startswith(DECLINE_MARKER):
            self.declined = True
            return ""
        match = self._prefix.match(pending)
        return self._emit(pending[match.end() :] if match else pending)

    def _emit(self, text: str) -> str:
        if self.declined:
            return ""
        if not self._started:
            text = text.lstrip()
            if not text:
                return ""
            self._started = True
        return text
