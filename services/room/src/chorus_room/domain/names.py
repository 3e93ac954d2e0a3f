"""Names people and personas go by: one that looks like another is refused.

A name is shown to everyone and decides who an @mention reaches, so it must
not pass for someone else's: no invisible or direction-changing characters,
no letters of two scripts mixed ("Ada" with a Cyrillic A), no punctuation at
either end ("Ada," would take the mentions meant for Ada, since the longest
name wins), and no two names in a room that look the same once lookalike
letters are folded (`skeleton`).
"""

from __future__ import annotations

import unicodedata

#: Letters that look like Latin ones in common fonts (Cyrillic, Greek).
_LOOKALIKES = str.maketrans(
    {
        "\u0430": "a", "\u0432": "b", "\u0435": "e", "\u043a": "k", "\u043c": "m", "\u043d": "h",
        "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0442": "t", "\u0443": "y", "\u0445": "x",
        "\u0455": "s", "\u0456": "i", "\u0458": "j", "\u0501": "d", "\u0261": "g", "\u04cf": "l",
        "\u03b1": "a", "\u03b2": "b", "\u03b5": "e", "\u03b9": "i", "\u03ba": "k", "\u03bd": "v",
        "\u03bf": "o", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u", "\u03c7": "x", "\u03c9": "w",
        "\u0030": "o", "\u0031": "l",
    }
)  # fmt: skip


def problem(name: str) -> str:
    """Why ``name`` cannot be used, or "" if it can. ``name`` is NFKC-normal."""
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp"):
            return "A name may not contain invisible or control characters."
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "A name must start and end with a letter or a digit."
    scripts = {_script(ch) for ch in name if ch.isalpha()}
    if len(scripts) > 1:
        return "A name may not mix letters of different scripts."
    return ""


def skeleton(name: str) -> str:
    """What ``name`` looks like: case, accents and lookalike letters folded."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.translate(_LOOKALIKES).split())


def _script(ch: str) -> str:
    """The script of a letter, from its Unicode name ("LATIN", "CYRILLIC"...)."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"
