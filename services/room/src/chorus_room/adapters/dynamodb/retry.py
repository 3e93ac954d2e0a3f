"""Retrying DynamoDB calls: a frozen policy (backoff with full jitter) and the
translation of botocore's errors into the store's typed errors.

botocore's own retries are switched off (see ``client_config``) so that this
policy is the only one: throttling and transient failures are retried here,
everything else becomes a ``StoreError`` at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from chorus_room.ports.store import StoreError

log = logging.getLogger("chorus.room.dynamodb")
T = TypeVar("T")

#: Error codes DynamoDB answers when trying again later may work.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "LimitExceededException",
    }
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure.

    Delay before try ``n`` (1-based, after the first failure) is uniform in
    ``[0, min(max_delay_s, base_delay_s * 2 ** (n - 1))]`` ("full jitter"), so
    instances that failed together do not retry together.
    """

    attempts: int = 6
    base_delay_s: float = 0.05
    max_delay_s: float = 1.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        cap = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return self.rng.uniform(0.0, cap)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def cancel_reasons(exc: ClientError) -> list[str]:
    """The per-item reasons of a TransactionCanceledException ("None" where an
    item was fine)."""
    reasons = exc.response.get("CancellationReasons") or []
    return [str(r.get("Code") or "None") for r in reasons]


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ClientError):
        code = error_code(exc)
        # A cancelled transaction is not retried here: its caller decides
        # (a lost seq race needs a new seq, not the same request again).
        return code in TRANSIENT_CODES
    return isinstance(exc, BotoConnectionError | HTTPClientError | OSError | TimeoutError)


def translate(exc: BaseException, what: str) -> StoreError:
    """The store's error for a failed call (never quoting secrets: botocore's
    messages name the operation and the endpoint, not credentials)."""
    if isinstance(exc, ClientError):
        return StoreError(f"dynamodb {what}: {error_code(exc)}", retryable=is_transient(exc))
    if isinstance(exc, BotoCoreError | OSError | TimeoutError):
        return StoreError(f"dynamodb {what}: {type(exc).__name__}", retryable=True)
    return StoreError(f"dynamodb {what}: {type(exc).__name__}", retryable=False)


async def call(policy: RetryPolicy, what: str, fn: Callable[[], Awaitable[T]]) -> T:
    """``await fn()``, retried on transient errors per ``policy``; a failure
    left over becomes a StoreError (``retryable`` when it was transient)."""
    attempt = 1
    while True:
        try:
            return await fn()
        except (ClientError, BotoCoreError, OSError, TimeoutError) as exc:
            if not is_transient(exc) or attempt >= policy.attempts:
                raise translate(exc, what) from exc
            delay = policy.delay(attempt)
            log.debug("dynamodb %s: %s, retry %d in %.3f s", what, exc, attempt, delay)
            attempt += 1
            await asyncio.sleep(delay)
