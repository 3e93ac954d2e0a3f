"""Cuts a reply streaming in as text into pieces worth speaking.

Speech should start as soon as the first clause is there, not the first
sentence: the first piece is cut at a comma, colon or dash once it has a few
words; later pieces at sentence ends (or at a clause once they grow long), so
the voice keeps a natural rhythm. What a listener should not hear is left
out: code blocks, Markdown marks, link targets and bare URLs.
"""

from __future__ import annotations

import re

#: The first piece may end at a clause once it has this many words.
FIRST_CLAUSE_WORDS = 4
#: A later piece ends at a clause only once it is this long (words).
LONG_PIECE_WORDS = 24
#: A piece is cut anyway once it is this long (characters): no endless waits.
MAX_PIECE_CHARS = 400

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s)")
_CLAUSE_END = re.compile(r"[,;:\u2013\u2014]+(?=\s)")
#: Dots that do not end a sentence: "Dr.", "e.g.", "3.14", "U.S.".
_NOT_AN_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|e\.g|i\.e|approx|No)\.|\b[A-Z]\.|\d\.(?=\d))$"
)
_FENCE = "```"
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_MARKS = re.compile(r"[*_`#>|~]+")


def speakable(text: str) -> str:
    """``text`` as it should sound: without Markdown marks, link targets, URLs."""
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _MARKS.sub("", text)
    return " ".join(text.split())


class ClauseSplitter:
    def __init__(self) -> None:
        self._buffer = ""
        self._in_code = False
        self._pieces = 0

    def feed(self, delta: str) -> list[str]:
        """Pieces complete with this delta, ready to speak, in order."""
        self._buffer += delta
        pieces: list[str] = []
        while (piece := self._next_piece()) is not None:
            if piece:
                pieces.append(piece)
        return pieces

    def flush(self) -> list[str]:
        """What is left at the end of the reply."""
        rest, self._buffer = self._buffer, ""
        if self._in_code:
            return []
        piece = speakable(rest)
        return [piece] if piece else []

    def _next_piece(self) -> str | None:
        """The next piece ("" for one with nothing to say), or None if none is complete."""
        if self._skip_code():
            return None
        text = self._buffer
        fence = text.find(_FENCE)
        window = text if fence < 0 else text[:fence]
        cut = self._cut(window)
        if cut is None and fence >= 0:
            cut = fence  # what comes before a code block is said first
        if cut is None:
            if len(window) < MAX_PIECE_CHARS:
                return None
            cut = window.rfind(" ", 0, MAX_PIECE_CHARS) + 1 or MAX_PIECE_CHARS
        piece, self._buffer = text[:cut], text[cut:]
        said = speakable(piece)
        if said:
            self._pieces += 1
        return said

    def _cut(self, text: str) -> int | None:
        for match in _SENTENCE_END.finditer(text):
            if not _NOT_AN_END.search(text[: match.end()]):
                return match.end()
        wanted = FIRST_CLAUSE_WORDS if self._pieces == 0 else LONG_PIECE_WORDS
        for match in _CLAUSE_END.finditer(text):
            if len(text[: match.start()].split()) >= wanted:
                return match.end()
        return None

    def _skip_code(self) -> bool:
        """Drop a code block from the buffer; True while one is still open."""
        while True:
            if self._in_code:
                end = self._buffer.find(_FENCE)
                if end < 0:
                    # Keep a possible start of the closing fence.
                    self._buffer = self._buffer[-(len(_FENCE) - 1) :]
                    return True
                self._buffer = self._buffer[end + len(_FENCE) :]
                self._in_code = False
                continue
            start = self._buffer.find(_FENCE)
            if start != 0:
                return False
            self._buffer = self._buffer[len(_FENCE) :]
            self._in_code = True
