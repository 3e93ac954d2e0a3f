from __future__ import annotations

import pytest
from chorus_room.domain.validation import clean_display_name
from chorus_room.errors import RoomError

TAKEN = ["Ada", "Alice", "Grace Hopper"]


@pytest.mark.parametrize(
    "name",
    [
        "Ada,",  # would take "@Ada, ..." mentions from the persona
        "Ada.",
        "\u0410da",  # a Cyrillic capital A
        "ADA",
        "Adá",
        "Ali\u200bce",  # zero-width space
        "\u202eecilA",  # right-to-left override
        "Gr\u0430ce Hopper",  # one Cyrillic letter among Latin ones
        "grace  hopper",
    ],
)
def test_names_that_pass_for_someone_else_are_refused(name: str) -> None:
    with pytest.raises(RoomError):
        clean_display_name(name, TAKEN)


@pytest.mark.parametrize("name", ["Bob", "Jean-Luc", "O'Neil", "Борис", "李雷", "R2D2", "Ada L"])
def test_ordinary_names_are_fine(name: str) -> None:
    assert clean_display_name(name, TAKEN) == name


def test_compatibility_forms_are_normalised() -> None:
    assert clean_display_name("\uff22ob", TAKEN) == "Bob"  # fullwidth B
