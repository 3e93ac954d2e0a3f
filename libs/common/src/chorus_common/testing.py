"""Helpers for the services' tests: capture what the shared logging setup
would write, as parsed JSON lines."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from chorus_common import logs


class CapturedLogs:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.startswith("{")]

    def matching(self, msg_part: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if msg_part in str(line.get("msg", ""))]


@contextmanager
def capture_logs(service: str, level: int = logging.INFO) -> Iterator[CapturedLogs]:
    """Every line logged in this process meanwhile, formatted as the service's
    JSON lines (the root logger's level is lowered to ``level`` meanwhile)."""
    captured = CapturedLogs()
    handler = logs.handler(service, "json", captured.stream)
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], *, within_s: float = 5.0, step_s: float = 0.01
) -> None:
    """Poll ``check`` until it is true (for state another process or task
    changes: a gauge, a health status); fails after ``within_s``."""
    for _ in range(max(1, int(within_s / step_s))):
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        await asyncio.sleep(step_s)
    raise AssertionError(f"not true within {within_s:g} s")
