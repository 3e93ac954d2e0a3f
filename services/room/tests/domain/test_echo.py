from __future__ import annotations

from chorus_room.domain.echo import repeats, trim_parroted_tail

EARLIER = ["Glass cracks under point loads, so I would use steel.", "Yes."]


def test_a_near_copy_repeats() -> None:
    assert repeats("Glass cracks under point loads, so I'd use steel!", EARLIER)
    assert repeats("I agree. Glass cracks under point loads, so I would use steel.", EARLIER)


def test_something_new_does_not() -> None:
    assert not repeats("Laminated glass can carry people if it is thick enough.", EARLIER)


def test_short_replies_may_be_said_twice() -> None:
    assert not repeats("Yes.", EARLIER)


def test_a_parroted_instruction_at_the_end_is_trimmed() -> None:
    asked = "@Coach how do we stop losing late? Two sentences."
    reply = "Focus on fitness. Drill the last ten minutes. Two sentences."
    assert trim_parroted_tail(reply, asked) == "Focus on fitness. Drill the last ten minutes."


def test_a_reply_of_its_own_is_left_alone() -> None:
    asked = "what is the best first move?"
    assert trim_parroted_tail("The best first move is e4.", asked) == "The best first move is e4."
    assert trim_parroted_tail("Play e4. Then develop.", asked) == "Play e4. Then develop."
    assert trim_parroted_tail("Two sentences.", "Two sentences.") == "Two sentences."
