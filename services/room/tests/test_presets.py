"""The presets registry: the bundled one loads; mistakes fail at start."""

from __future__ import annotations

import pytest
from chorus_room.presets import PresetsError, load_presets, parse_presets


def test_the_bundled_registry_has_the_templates_the_docs_promise() -> None:
    listing = load_presets().listing()
    templates = {t.id for t in listing.templates}
    assert {"design-review", "debate-club", "language-cafe"} <= templates
    assert len(listing.personas) >= 8


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[personas]]\nid = "a"\nname = "A"\nmood = "x"', "mood"),
        ('[[templates]]\nid = "t"\nname = "T"\npersonas = ["ghost"]', "unknown presets"),
        ('[[personas]]\nid = "a"\nname = "A"\n[[personas]]\nid = "a"\nname = "B"', "unique"),
        ('[[personas]]\nid = "a"\nname = "A@B"', "'@'"),
        ("personas = [", "invalid"),
    ],
)
def test_a_bad_registry_is_refused(text: str, problem: str) -> None:
    with pytest.raises(PresetsError, match=problem):
        parse_presets(text)
