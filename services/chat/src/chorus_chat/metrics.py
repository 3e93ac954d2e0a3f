"""The chat service's Prometheus metrics (process-wide, on the default registry).

Recorded at the service's boundaries: the servicer (completions, tokens,
first-token and total times, errors by code) and the model gate (queue depth
and the time a request waited for its model).
"""

from __future__ import annotations

from chorus_common.metrics import LATENCY_BUCKETS
from prometheus_client import Counter, Gauge, Histogram

COMPLETIONS = Counter(
    "chorus_chat_completions",
    "Completions finished, by model and outcome (a finish reason, or the error code).",
    ["model", "outcome"],
)
ERRORS = Counter(
    "chorus_chat_errors",
    "Completions that ended with an error, by model and error code.",
    ["model", "code"],
)
IN_FLIGHT = Gauge(
    "chorus_chat_completions_in_flight",
    "Complete calls being served now (running or waiting for their model).",
)
PROMPT_TOKENS = Counter(
    "chorus_chat_prompt_tokens",
    "Prompt tokens of finished completions: `evaluated` by the model, or "
    "`cached` (reused from an earlier prompt's state without evaluating).",
    ["model", "source"],
)
COMPLETION_TOKENS = Counter(
    "chorus_chat_completion_tokens",
    "Tokens generated, by model (for a call its caller stopped, the deltas it streamed).",
    ["model"],
)
FIRST_TOKEN = Histogram(
    "chorus_chat_time_to_first_token_seconds",
    "From receiving a request to its first generated token (queueing included).",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
DURATION = Histogram(
    "chorus_chat_completion_duration_seconds",
    "From receiving a request to the end of its stream, by model.",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
QUEUE_WAIT = Histogram(
    "chorus_chat_model_queue_wait_seconds",
    "Time a request waited for its model to be free (0 when it was).",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
QUEUE_DEPTH = Gauge(
    "chorus_chat_model_queue_depth", "Requests waiting for their model now.", ["model"]
)
REJECTED = Counter(
    "chorus_chat_model_queue_rejected",
    "Requests refused with OVERLOADED because their model's queue was full.",
    ["model"],
)


def record_usage(
    model: str, *, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0
) -> None:
    """Count one completion's tokens. ``cached_tokens`` is the part of the
    prompt that was reused rather than evaluated (``Usage.prompt_tokens_cached``)."""
    cached = min(max(cached_tokens, 0), prompt_tokens)
    PROMPT_TOKENS.labels(model, "evaluated").inc(prompt_tokens - cached)
    PROMPT_TOKENS.labels(model, "cached").inc(cached)
    COMPLETION_TOKENS.labels(model).inc(completion_tokens)
