"""Logging setup: the services' shared one (``chorus_common.logs``), plus a
filter for uvicorn. Uvicorn's access and connection lines carry the request's
path with its query string: the filter cuts the query off, so nothing that a
client puts there reaches the logs. Headers and tokens are never logged."""

from __future__ import annotations

import logging

from chorus_common import logs


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and "?" in a for a in args):
            record.args = tuple(
                a.split("?", 1)[0] if isinstance(a, str) and a.startswith("/") else a for a in args
            )
        return True


#: The WebSocket protocol's DEBUG lines that dump a frame or a handshake header.
_DUMPS = frozenset({"< %s", "> %s", "< %s: %s", "> %s: %s"})


class DropFrameDumps(logging.Filter):
    """At DEBUG, the WebSocket protocol logs each frame it sends and receives
    (``< TEXT '{"join":{"inviteToken":...'``) and each handshake header
    (cookies, authorization): tokens travel there, so those lines are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _DUMPS


def install_filters() -> None:
    """Idempotent: each filter is added once to each logger."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        for kind in (DropQueryStrings, DropFrameDumps):
            if not any(isinstance(f, kind) for f in logger.filters):
                logger.addFilter(kind())


def configure(config: logs.LogConfig | None = None) -> logs.LogConfig:
    """CHORUS_LOG_LEVEL and CHORUS_LOG_FORMAT unless ``config`` is given."""
    used = logs.configure("gateway", config)
    install_filters()
    return used
