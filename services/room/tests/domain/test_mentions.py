from __future__ import annotations

from chorus.v1 import room_pb2
from chorus_room.domain.mentions import parse_mentions

PEOPLE = [
    room_pb2.Participant(id="p1", name="Ada"),
    room_pb2.Participant(id="p2", name="Ada Lovelace"),
    room_pb2.Participant(id="p3", name="Dr. Who"),
    room_pb2.Participant(id="h1", name="bob"),
]


def test_single_and_case_insensitive() -> None:
    assert parse_mentions("hey @ADA what's up", PEOPLE).ids == ["p1"]


def test_longest_multi_word_name_wins() -> None:
    assert parse_mentions("@ada lovelace, and @Ada too", PEOPLE).ids == ["p2", "p1"]


def test_names_with_punctuation_and_trailing_punctuation() -> None:
    assert parse_mentions("@Dr. Who? @Bob!", PEOPLE).ids == ["p3", "h1"]


def test_prefix_of_a_longer_word_is_not_a_mention() -> None:
    result = parse_mentions("@Adam is not Ada", PEOPLE)
    assert result.ids == [] and result.unknown == ["Adam"]


def test_email_is_not_a_mention() -> None:
    assert parse_mentions("mail ada@example.com", PEOPLE).ids == []


def test_everyone_and_all() -> None:
    assert parse_mentions("@all please", PEOPLE).everyone
    assert parse_mentions("@Everyone please", PEOPLE).everyone
    assert not parse_mentions("all of you", PEOPLE).everyone


def test_repeats_counted_once_and_unknown_listed() -> None:
    result = parse_mentions("@bob @bob @zed @zed", PEOPLE)
    assert result.ids == ["h1"] and result.unknown == ["zed"]


def test_lone_at_sign() -> None:
    result = parse_mentions("meet @ 5", PEOPLE)
    assert result.ids == [] and result.unknown == []


def test_a_mention_followed_by_a_question_asks_something() -> None:
    people = [
        room_pb2.Participant(id="p1", name="Mira"),
        room_pb2.Participant(id="p2", name="Rex"),
    ]
    greeting = parse_mentions("@Mira, I agree with you.", people)
    assert greeting.ids == ["p1"] and greeting.asked == []
    question = parse_mentions("@Mira, I agree. @Rex how long would it take?", people)
    assert question.ids == ["p1", "p2"] and question.asked == ["p2"]
    assert parse_mentions("@Rex. How long would it take?", people).asked == ["p2"]
    assert parse_mentions("What do you think? Ask @Rex.", people).asked == []
