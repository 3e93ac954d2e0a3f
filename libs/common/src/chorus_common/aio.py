"""How a service process waits for SIGTERM and drains within a bound."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

log = logging.getLogger("chorus.shutdown")

#: Seconds a drain may take beyond the service's own grace period (closing
#: channels, the store, the metrics listener) before it counts as hung.
DRAIN_MARGIN_S = 5.0


class DrainTimeout(Exception):
    """The service did not finish stopping within its bound."""


async def wait_for_signal(
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> str:
    """Wait for the first of ``signals``; returns its name.

    The handlers are removed once one arrives, so a second SIGTERM or SIGINT
    during the drain ends the process at once (the signal's default action).
    """
    loop = asyncio.get_running_loop()
    received: asyncio.Future[str] = loop.create_future()

    def on_signal(sig: signal.Signals) -> None:
        if not received.done():
            received.set_result(sig.name)

    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        return await received
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def drain(stopping: Awaitable[None], *, grace_s: float, what: str) -> None:
    """Await ``stopping`` for at most ``grace_s + DRAIN_MARGIN_S`` seconds."""
    bound = grace_s + DRAIN_MARGIN_S
    try:
        async with asyncio.timeout(bound):
            await stopping
    except TimeoutError:
        raise DrainTimeout(f"{what} did not stop within {bound:g} s") from None


async def serve_until_signalled(
    start: Callable[[], Awaitable[object]],
    stop: Callable[[], Awaitable[None]],
    *,
    grace_s: float,
    name: str,
) -> str:
    """Start a service, serve until SIGTERM or SIGINT, then stop it within
    ``grace_s + DRAIN_MARGIN_S`` seconds; returns the signal's name.

    The signal handlers are in place before ``start`` runs, so a signal during
    start-up (a model still loading) cancels the start and stops what had
    started. A failed start is stopped too, then its exception propagates.
    """
    signalled = asyncio.create_task(wait_for_signal(), name=f"{name}-signals")
    starting = asyncio.create_task(_call(start), name=f"{name}-start")
    reason = ""
    try:
        await asyncio.wait((signalled, starting), return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a failed start raises here
            reason = await signalled
        else:
            reason = signalled.result()
            log.info("%s: %s during start-up", name, reason)
        log.info("%s: %s, stopping (grace %g s)", name, reason, grace_s)
    finally:
        for task in (starting, signalled):
            task.cancel()
        await asyncio.gather(starting, signalled, return_exceptions=True)
        await drain(stop(), grace_s=grace_s, what=name)
    return reason


async def _call(start: Callable[[], Awaitable[object]]) -> None:
    await start()
