from __future__ import annotations

import pytest
from chorus_voice.stt.whisper import compression_ratio, repeated_run_at


@pytest.mark.parametrize(
    "text",
    [
        "Ada, who really invented the telescope?",
        "No, no, no, that is not it.",
        "No, no, no.",
        "I think that that is what I think.",
        "",
    ],
)
def test_ordinary_speech_is_not_a_loop(text: str) -> None:
    assert repeated_run_at(text) is None
    assert compression_ratio(text) < 2.4


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "What happened in the year 1969? What happened in the year 1969?",
            "What happened in the year 1969?",
        ),
        (
            "Grace, do you like jazz or classical music better? Grace, do you like",
            "Grace, do you like jazz or classical music better?",
        ),
        (
            "Tell me a joke about computers. A joke about computers.",
            "Tell me a joke about computers.",
        ),
    ],
)
def test_a_repeated_run_marks_a_loop(text: str, kept: str) -> None:
    cut = repeated_run_at(text)

    assert cut is not None
    assert text[:cut].strip() == kept


def test_a_phrase_said_twice_and_then_more_is_not_a_loop() -> None:
    text = "I don't know what to do. I don't know what else to try, honestly."

    assert repeated_run_at(text) is None
