from __future__ import annotations

from chorus.v1 import room_pb2
from chorus_room.domain.spoken import spoken_mentions

PEOPLE = [
    room_pb2.Participant(id="p1", name="Ada"),
    room_pb2.Participant(id="p2", name="Ada Lovelace"),
    room_pb2.Participant(id="p3", name="Rex"),
    room_pb2.Participant(id="h1", name="Sam"),
]


def test_a_name_said_as_a_word_addresses_them() -> None:
    heard = spoken_mentions("Ada, who really invented the telescope?", PEOPLE)
    assert heard.ids == ["p1"] and heard.asked == ["p1"] and not heard.everyone


def test_any_case_and_longest_name_wins() -> None:
    assert spoken_mentions("what does ada lovelace think, and rex.", PEOPLE).ids == ["p2", "p3"]


def test_a_name_inside_another_word_is_not_said() -> None:
    assert spoken_mentions("Adam and the rexes went home.", PEOPLE).ids == []


def test_a_statement_names_without_asking() -> None:
    heard = spoken_mentions("I agree with Rex. Ada, is that right?", PEOPLE)
    assert heard.ids == ["p3", "p1"] and heard.asked == ["p1"]


def test_everyone_at_the_start_or_end_asks_all() -> None:
    assert spoken_mentions("Everyone, what is your favourite colour?", PEOPLE).everyone
    assert spoken_mentions("What do you think, all of you?", PEOPLE).everyone
    assert not spoken_mentions("Not everyone likes tea, Rex.", PEOPLE).everyone
