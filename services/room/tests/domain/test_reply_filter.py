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


def run_in_room(chunks: list[str]) -> tuple[str, bool, str]:
    f = ReplyFilter("Ada", others=["Rex", "Sam", "Ada"], asker="Sam")
    out = "".join(f.feed(c) for c in chunks) + f.flush()
    return out, f.declined, f.impersonated


@pytest.mark.parametrize("chunks", [["Pass"], ["pass."], [" [Pass]"], ["PASS", "!"]])
def test_a_bare_pass_is_a_decline(chunks: list[str]) -> None:
    assert run_in_room(chunks) == ("", True, "")


def test_words_that_start_like_pass_are_kept() -> None:
    assert run_in_room(["Pass", "ing ships are slow."]) == ("Passing ships are slow.", False, "")


@pytest.mark.parametrize("chunks", [["[Ada] Hello"], ["[Ada]", " Hello"]])
def test_own_name_in_brackets_is_removed(chunks: list[str]) -> None:
    assert run_in_room(chunks) == ("Hello", False, "")


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (["@Sam, sure", " thing"], "sure thing"),
        (["Sam, sure thing"], "sure thing"),
        (["@Sam: sure thing"], "sure thing"),
        (["Samantha", " is nice"], "Samantha is nice"),
        (["@Rex, what do you think?"], "@Rex, what do you think?"),
    ],
)
def test_the_askers_name_in_front_is_removed(chunks: list[str], expected: str) -> None:
    assert run_in_room(chunks) == (expected, False, "")


@pytest.mark.parametrize("chunks", [["Rex", ": steel", " is better"], ["**Sam:** I agree"]])
def test_a_reply_written_as_someone_else_is_refused(chunks: list[str]) -> None:
    out, declined, impersonated = run_in_room(chunks)
    assert (out, declined) == ("", False) and impersonated in ("Rex", "Sam")


def test_a_reply_that_only_mentions_someone_later_is_kept() -> None:
    assert run_in_room(["I agree with Rex: steel."]) == ("I agree with Rex: steel.", False, "")


def run_writing_the_chat(chunks: list[str]) -> tuple[str, bool]:
    f = ReplyFilter("Ada", others=["Sam"], asker="Sam", cut_new_speakers=True)
    out = ""
    for chunk in chunks:
        out += f.feed(chunk)
        if f.finished:
            break
    return out + f.flush(), f.finished


def test_a_new_speaker_line_ends_the_reply_even_for_a_stranger() -> None:
    assert run_writing_the_chat(["The sea is dark.", "\nJe", "n: @Ada what", " else?"]) == (
        "The sea is dark.",
        True,
    )
    assert run_writing_the_chat(["Yes.\n**Bob:** no"]) == ("Yes.", True)


def test_other_lines_of_a_reply_are_kept() -> None:
    kept = "Steps:\n- chop\n- stir\n\nThen serve. Note that\nIt works."
    assert run_writing_the_chat([kept[:9], kept[9:20], kept[20:]]) == (kept, False)
    assert run_writing_the_chat(["One\nTwo"]) == ("One\nTwo", False)


def test_the_askers_name_with_a_space_is_removed() -> None:
    assert run_in_room(["@Sam I", " don't."]) == ("I don't.", False, "")
