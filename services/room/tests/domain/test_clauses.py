from __future__ import annotations

import pytest
from chorus_room.domain.clauses import ClauseSplitter, speakable


def pieces(*deltas: str) -> list[str]:
    splitter = ClauseSplitter()
    out: list[str] = []
    for delta in deltas:
        out += splitter.feed(delta)
    return out + splitter.flush()


def test_the_first_clause_is_ready_before_the_sentence_ends() -> None:
    splitter = ClauseSplitter()
    assert splitter.feed("Glass bridges exist in China, ") == ["Glass bridges exist in China,"]
    assert splitter.feed("but they use laminated panes") == []
    assert splitter.feed(". Steel carries the load. And") == [
        "but they use laminated panes.",
        "Steel carries the load.",
    ]
    assert splitter.flush() == ["And"]


def test_a_short_first_clause_waits_for_more_words() -> None:
    assert pieces("Well, ", "I think so. ") == ["Well, I think so."]


def test_later_pieces_go_sentence_by_sentence() -> None:
    # A whole sentence at hand is said whole; the clause cut is for waiting less.
    assert pieces("One two three four, five. Six, seven, eight. ") == [
        "One two three four, five.",
        "Six, seven, eight.",
    ]


@pytest.mark.parametrize("text", ["Dr. Watson is here.", "Pi is 3.14 today.", "Use e.g. glass."])
def test_dots_that_do_not_end_a_sentence(text: str) -> None:
    assert pieces(text + " ") == [text]


def test_code_and_marks_are_not_spoken() -> None:
    said = pieces(
        "Here is **how**:\n```python\nprint('x')\n```\n",
        "See [the docs](https://x.org) or https://y.org now.",
    )
    assert said == ["Here is how:", "See the docs or now."]


def test_a_code_block_split_across_deltas_is_skipped() -> None:
    assert pieces("Look. ``", "`py\nx = 1\n`", "``\nDone.") == ["Look.", "Done."]


def test_a_long_run_without_punctuation_is_cut_anyway() -> None:
    said = pieces("word " * 200)
    assert len(said) >= 2 and all(len(p) <= 400 for p in said)


def test_speakable() -> None:
    assert speakable("# Title\n> *quoted* `code`") == "Title quoted code"
