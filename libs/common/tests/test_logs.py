"""The shared logging setup: JSON lines with the context's ids, a text form
for people, validated configuration, and redaction of registered secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from chorus_common import context, logs


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logs.handler("room", "json", stream)
    logger = logging.getLogger("chorus.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_carries_the_service_the_ids_and_extras(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    with context.scope(request_id="q1", room_id="r1", reply_id="m1"):
        logger.info("reply %s done", "m1", extra={"marks": {"received": 1, "done": 5}})
    logger.warning("outside")
    first, second = lines(stream)
    assert first["service"] == "room" and first["level"] == "INFO"
    assert first["logger"] == "chorus.test.logs" and first["msg"] == "reply m1 done"
    assert (first["request_id"], first["room_id"], first["reply_id"]) == ("q1", "r1", "m1")
    assert first["marks"] == {"received": 1, "done": 5}
    assert str(first["ts"]).endswith("+00:00")
    assert "request_id" not in second


def test_exceptions_are_one_json_line(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    (line,) = lines(stream)
    assert line["msg"] == "failed" and "RuntimeError: boom" in str(line["exc"])


def test_other_libraries_extras_are_not_shown() -> None:
    stream = io.StringIO()
    handler = logs.handler("gateway", "json", stream)
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "hi", None, None)
    record.headers = {"authorization": "Bearer x"}
    handler.handle(record)
    assert "headers" not in json.loads(stream.getvalue())


def test_the_text_form_shows_the_ids_after_the_message() -> None:
    stream = io.StringIO()
    handler = logs.handler("chat", "text", stream)
    record = logging.LogRecord("chorus_chat.engine", logging.INFO, __file__, 1, "done", None, None)
    with context.scope(request_id="q9", model="smollm"):
        handler.handle(record)
    assert (
        stream.getvalue()
        .rstrip()
        .endswith("chat chorus_chat.engine: done [request_id=q9 model=smollm]")
    )


def test_registered_secrets_are_redacted_whoever_logs_them(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logs.redact("sk-test-redact-me-123456", None, "short")
    logger.error("vendor said: bad key sk-test-redact-me-123456 (%s)", "short")
    (line,) = lines(stream)
    assert line["msg"] == "vendor said: bad key [redacted] (short)"


def test_configuration_comes_from_the_environment() -> None:
    assert logs.LogConfig.from_env({}) == logs.LogConfig("INFO", "json")
    config = logs.LogConfig.from_env({"CHORUS_LOG_LEVEL": "debug", "CHORUS_LOG_FORMAT": "Text"})
    assert config == logs.LogConfig("DEBUG", "text")
    with pytest.raises(logs.LogConfigError, match="CHORUS_LOG_LEVEL"):
        logs.LogConfig.from_env({"CHORUS_LOG_LEVEL": "loud"})
    with pytest.raises(logs.LogConfigError, match="CHORUS_LOG_FORMAT"):
        logs.LogConfig.from_env({"CHORUS_LOG_FORMAT": "xml"})


def test_configure_installs_one_handler_on_the_root_logger() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        logs.configure("room", logs.LogConfig("WARNING", "json"))
        logs.configure("room", logs.LogConfig("WARNING", "text"))
        assert len(root.handlers) == 1 and root.level == logging.WARNING
        assert isinstance(root.handlers[0].formatter, logs.TextFormatter)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        logging.captureWarnings(False)
