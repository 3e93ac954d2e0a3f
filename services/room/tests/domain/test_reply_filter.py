from __future__ import annotations

import pytest
from chorus_room.domain.reply_filter import ReplyFilter


def run(name: str, chunks: list[str]) -> tuple[str, bool]:
    f = ReplyFilter(name)
    out = "".join(f.feed(c) for c in chunks) + f.flush()
    return out, f.declined


@pytest.mark.parametrize(
    "chunks",
    [
        ["Ada", ":", " Hello", " world"],
        ["**Ada:**", " Hello world"],
        ["ada - Hello world"],
        ["  Ada (", "Mathematician): Hello", " world"],
        ["[Ada]: Hello world"],
    ],
)
def test_own_name_prefix_is_removed(chunks: list[str]) -> None:
    assert run("Ada", chunks) == ("Hello world", False)


def test_plain_text_passes_untouched() -> None:
    assert run("Ada", ["Hello", " there, ", "Ada: is my name"]) == (
        "Hello there, Ada: is my name",
        False,
    )


def test_text_that_starts_like_the_name_is_kept() -> None:
    assert run("Ada", ["Adaptive", " systems are neat"]) == ("Adaptive systems are neat", False)


def test_decline_marker() -> None:
    assert run("Ada", ["[pa", "ss]"]) == ("", True)
    assert run("Ada", [" [PASS] nothing to add"]) == ("", True)


def test_short_reply_comes_out_at_flush() -> None:
    assert run("Ada", ["Yes."]) == ("Yes.", False)


def test_streaming_starts_once_the_prefix_is_ruled_out() -> None:
    f = ReplyFilter("Ada")
    assert f.feed("Well,") == "Well,"
    assert f.feed(" more") == " more"


def test_text_is_held_only_while_it_could_be_the_name() -> None:
    f = ReplyFilter("Ada Lovelace")
    assert f.feed("Ada") == ""
    assert f.feed(" Love") == ""
    assert f.feed("lace (poet)") == ""
    assert f.feed(": Hi") == "Hi"
