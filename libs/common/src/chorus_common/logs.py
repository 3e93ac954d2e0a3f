"""The one logging setup every Chorus service uses.

``CHORUS_LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR; default INFO) and
``CHORUS_LOG_FORMAT`` (``json``, the default: one JSON object per line; or
``text`` for people reading a terminal) configure it. Each line carries the
service's name and the ids bound in ``chorus_common.context`` (request, room,
participant, reply...). Registered secret values (``redact``) are replaced in
every line as a last line of defence; the first is that no code logs a token,
a key or a header.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TextIO, get_args

from chorus_common import context

LogFormat = Literal["json", "text"]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS: tuple[str, ...] = get_args(LogFormat)
REDACTED = "[redacted]"
#: Secrets shorter than this are not redacted (they would match ordinary words).
MIN_SECRET_CHARS = 8

_secrets: frozenset[str] = frozenset()
# What a LogRecord carries by itself; anything else on it came as `extra`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "chorus_context",
    "color_message",
    "taskName",
}


class LogConfigError(ValueError):
    """CHORUS_LOG_LEVEL or CHORUS_LOG_FORMAT has a value we do not know."""


@dataclass(frozen=True, slots=True)
class LogConfig:
    level: str = "INFO"
    format: LogFormat = "json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LogConfig:
        env = os.environ if environ is None else environ
        level = env.get("CHORUS_LOG_LEVEL", "INFO").strip().upper() or "INFO"
        fmt = env.get("CHORUS_LOG_FORMAT", "json").strip().lower() or "json"
        if level not in LEVELS:
            raise LogConfigError(f"CHORUS_LOG_LEVEL must be one of {', '.join(LEVELS)}")
        if fmt == "json":
            return cls(level, "json")
        if fmt == "text":
            return cls(level, "text")
        raise LogConfigError(f"CHORUS_LOG_FORMAT must be one of {', '.join(FORMATS)}")


def redact(*values: str | None) -> None:
    """Never show these values (API keys...) in a log line, whoever logs them."""
    global _secrets
    _secrets = _secrets | {v for v in values if v and len(v) >= MIN_SECRET_CHARS}


def scrub(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class _ContextFilter(logging.Filter):
    """Captures the context's ids when the line is logged (in the caller's task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.chorus_context = context.current()
        return True


def _context_of(record: logging.LogRecord) -> Mapping[str, str]:
    fields: Mapping[str, str] = getattr(record, "chorus_context", None) or context.current()
    return fields


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """Fields our own code passed as ``extra=`` (other libraries' are not shown)."""
    if not record.name.startswith("chorus"):
        return {}
    return {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = _context_of(record)
        line.update((name, fields[name]) for name in context.FIELDS if name in fields)
        for key, value in _extras(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return scrub(json.dumps(line, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _context_of(record)
        pairs = [f"{name}={fields[name]}" for name in context.FIELDS if name in fields]
        pairs += [f"{key}={value}" for key, value in _extras(record).items()]
        if pairs:
            head, newline, tail = text.partition("\n")
            text = f"{head} [{' '.join(pairs)}]{newline}{tail}"
        return scrub(text)


def handler(service: str, fmt: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    out = logging.StreamHandler(sys.stderr if stream is None else stream)
    out.setFormatter(JsonFormatter(service) if fmt == "json" else TextFormatter(service))
    out.addFilter(_ContextFilter())
    return out


def configure(service: str, config: LogConfig | None = None) -> LogConfig:
    """Send every logger's lines to stderr in the configured format; replaces
    any handlers the root logger had. Returns the configuration used."""
    config = config or LogConfig.from_env()
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(service, config.format))
    root.setLevel(config.level)
    logging.captureWarnings(True)
    return config
