"""Serving until a signal, and draining within a bound."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from chorus_common.aio import DrainTimeout, drain, serve_until_signalled


class Service:
    def __init__(self, start_s: float = 0.0, *, fail: bool = False) -> None:
        self.start_s = start_s
        self.fail = fail
        self.started = self.start_cancelled = self.stopped = False

    async def start(self) -> None:
        try:
            await asyncio.sleep(self.start_s)
        except asyncio.CancelledError:
            self.start_cancelled = True
            raise
        if self.fail:
            raise OSError("port taken")
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


def _signal_soon(sig: signal.Signals, after_s: float) -> asyncio.TimerHandle:
    return asyncio.get_running_loop().call_later(after_s, os.kill, os.getpid(), sig)


@pytest.mark.asyncio
async def test_serves_until_sigterm_then_stops() -> None:
    service = Service()
    _signal_soon(signal.SIGTERM, 0.1)
    reason = await serve_until_signalled(service.start, service.stop, grace_s=1, name="test")
    assert reason == "SIGTERM"
    assert service.started and service.stopped


@pytest.mark.asyncio
async def test_a_signal_during_start_up_cancels_the_start() -> None:
    service = Service(start_s=30)
    _signal_soon(signal.SIGINT, 0.1)
    async with asyncio.timeout(5):
        reason = await serve_until_signalled(service.start, service.stop, grace_s=1, name="t")
    assert reason == "SIGINT"
    assert service.start_cancelled and service.stopped and not service.started


@pytest.mark.asyncio
async def test_a_failed_start_is_stopped_and_raised() -> None:
    service = Service(fail=True)
    with pytest.raises(OSError, match="port taken"):
        await serve_until_signalled(service.start, service.stop, grace_s=1, name="t")
    assert service.stopped
    # The handlers are gone: the default action is back.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


@pytest.mark.asyncio
async def test_a_drain_past_its_bound_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chorus_common.aio.DRAIN_MARGIN_S", 0.05)
    with pytest.raises(DrainTimeout, match=r"slow thing did not stop within 0\.15 s"):
        await drain(asyncio.sleep(10), grace_s=0.1, what="slow thing")
