"""Log context: ids bound for a block, inherited by tasks, checked when they
come from outside."""

from __future__ import annotations

import asyncio

import pytest
from chorus_common import context


def test_scope_binds_for_the_block_only() -> None:
    with context.scope(request_id="q1", room_id="r1"):
        with context.scope(reply_id="m1", room_id=""):
            assert context.current() == {"request_id": "q1", "reply_id": "m1"}
        assert context.current() == {"request_id": "q1", "room_id": "r1"}
        assert context.request_id() == "q1"
    assert context.current() == {}


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="'token'"):
        context.bind(token="secret")


@pytest.mark.asyncio
async def test_tasks_inherit_what_was_bound_when_they_started() -> None:
    async def seen() -> dict[str, str]:
        await asyncio.sleep(0)
        return dict(context.current())

    with context.scope(request_id="q2"):
        task = asyncio.create_task(seen())
    context.bind(request_id="later")
    assert await task == {"request_id": "q2"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc-1.2:3/x@y", "abc-1.2:3/x@y"),
        (b"q0123", "q0123"),
        ("", ""),
        (None, ""),
        ("has space", ""),
        ("line\nbreak", ""),
        ('{"json": 1}', ""),
        ("x" * 129, ""),
    ],
)
def test_ids_from_outside_are_checked(value: str | bytes | None, expected: str) -> None:
    assert context.clean_id(value) == expected


def test_request_id_travels_in_metadata() -> None:
    assert context.outgoing_metadata() == ()
    with context.scope(request_id="q3"):
        metadata = context.outgoing_metadata()
    assert metadata == (("x-request-id", "q3"),)
    assert context.request_id_from([("other", "1"), *metadata]) == "q3"
    assert context.request_id_from([("X-Request-ID", "bad id")]) == ""
    assert context.request_id_from(None) == ""


def test_a_frame_request_id_names_gateway_connection_and_ref() -> None:
    with context.scope(gateway_id="gw-1"):
        assert context.frame_request_id("c7", "r12") == "gw-1/c7/r12"
        assert context.frame_request_id("c7", "not an id") == "gw-1/c7/"
        assert context.frame_request_id("c7", "x" * 33) == "gw-1/c7/"
    assert context.frame_request_id("c7", "r1") == "c7/r1"
    assert context.new_request_id() != context.new_request_id()
