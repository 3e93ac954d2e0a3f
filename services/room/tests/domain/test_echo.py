from __future__ import annotations

from chorus_room.domain.echo import repeats

EARLIER = ["Glass cracks under point loads, so I would use steel.", "Yes."]


def test_a_near_copy_repeats() -> None:
    assert repeats("Glass cracks under point loads, so I'd use steel!", EARLIER)
    assert repeats("I agree. Glass cracks under point loads, so I would use steel.", EARLIER)


def test_something_new_does_not() -> None:
    assert not repeats("Laminated glass can carry people if it is thick enough.", EARLIER)


def test_short_replies_may_be_said_twice() -> None:
    assert not repeats("Yes.", EARLIER)
