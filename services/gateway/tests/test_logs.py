"""Query strings never reach the logs."""

from __future__ import annotations

import logging

from chorus_gateway.logs import DropQueryStrings


def test_query_strings_are_cut_from_uvicorn_lines() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/api/rooms/r/history?token=secret", "1.1", 200),
        None,
    )
    assert DropQueryStrings().filter(record)
    assert "secret" not in record.getMessage()
    assert "/api/rooms/r/history" in record.getMessage()
