"""The room service's Prometheus metrics (process-wide, on the default registry).

Recorded at the boundaries: the servicer (streams, lagging streams, unary
errors), the session (frame errors), the event log (messages stored) and the
reply manager (``observe_reply(ended, timing)`` where a reply ends: outcomes
and per-turn times). Queue depths
are read from the open streams when /metrics is scraped, not counted per event.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chorus.v1 import room_pb2
from chorus_common.metrics import LATENCY_BUCKETS
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

SESSIONS = Gauge("chorus_room_sessions", "Open RoomSession streams (one per gateway and room).")
SESSIONS_OPENED = Counter("chorus_room_sessions_opened", "RoomSession streams opened.")
SLOW_CONSUMERS = Counter(
    "chorus_room_slow_consumers",
    "RoomSession streams dropped because their gateway fell behind (it resumes by seq).",
)
MESSAGES = Counter(
    "chorus_room_messages",
    "Messages stored (duplicates of a retried send are not counted), by author kind.",
    ["author"],
)
ERRORS = Counter(
    "chorus_room_errors",
    "Requests that failed (frames and unary calls) and failed replies, by ErrorCode.",
    ["code"],
)
REPLIES = Counter("chorus_room_replies", "Persona replies ended, by outcome.", ["outcome"])
REPLY_WAIT = Histogram(
    "chorus_room_reply_wait_seconds",
    "From the message that asked a persona to the reply's model call (its turn, the prompt).",
    buckets=LATENCY_BUCKETS,
)
REPLY_FIRST_TOKEN = Histogram(
    "chorus_room_reply_first_token_seconds",
    "From the message that asked a persona to the reply's first token.",
    buckets=LATENCY_BUCKETS,
)
REPLY_DURATION = Histogram(
    "chorus_room_reply_duration_seconds",
    "From the message that asked a persona to the reply's end.",
    buckets=LATENCY_BUCKETS,
)

VOICE_TURNS = Counter(
    "chorus_room_voice_turns",
    "Push-to-talk turns ended, by outcome (posted, no_speech, failed, cancelled).",
    ["outcome"],
)
VOICE_TRANSCRIPT = Histogram(
    "chorus_room_voice_transcript_seconds",
    "From push-to-talk release to the transcribed message being stored.",
    buckets=LATENCY_BUCKETS,
)
SPEECH_FAILURES = Counter(
    "chorus_room_speech_failures", "Spoken replies whose speech failed (they stand as text)."
)

_AUTHORS = {
    room_pb2.PARTICIPANT_KIND_HUMAN: "human",
    room_pb2.PARTICIPANT_KIND_PERSONA: "persona",
}
_ERROR_PREFIX = "ERROR_CODE_"
_OUTCOME_PREFIX = "REPLY_OUTCOME_"


_MESSAGES_BY_KIND = {kind: MESSAGES.labels(author) for kind, author in _AUTHORS.items()}


def message_stored(event: room_pb2.RoomEvent) -> None:
    if event.HasField("message"):
        kind = event.message.author_kind
        counter = _MESSAGES_BY_KIND.get(kind) or MESSAGES.labels("other")
        counter.inc()


def error_sent(code: room_pb2.ErrorCode) -> None:
    name = room_pb2.ErrorCode.Name(code) if code in room_pb2.ErrorCode.values() else "UNKNOWN"
    ERRORS.labels(name.removeprefix(_ERROR_PREFIX)).inc()


def observe_reply(ended: room_pb2.ReplyEnded) -> None:
    """Record one reply where it ends: its outcome (and error code), and the
    times from the asking message to its model call, first token and end
    (``ended.timing``). Marks left at 0 are skipped."""
    timing = ended.timing
    REPLIES.labels(room_pb2.ReplyOutcome.Name(ended.outcome).removeprefix(_OUTCOME_PREFIX)).inc()
    if ended.HasField("error"):
        error_sent(ended.error.code)
    received = timing.received_at_ms
    if not received:
        return
    for at, histogram in (
        (timing.model_start_at_ms, REPLY_WAIT),
        (timing.first_token_at_ms, REPLY_FIRST_TOKEN),
        (timing.done_at_ms, REPLY_DURATION),
    ):
        if at:
            histogram.observe(max(at - received, 0) / 1000)


class QueuedStream(Protocol):
    """What the queue gauges read from an open stream."""

    room_id: str

    @property
    def queued(self) -> int: ...


class OpenStreams(Collector):
    """The open RoomSession streams, read at scrape time: rooms live on this
    instance and the responses waiting in the streams' bounded queues."""

    def __init__(self) -> None:
        self._streams: set[QueuedStream] = set()

    def add(self, stream: QueuedStream) -> None:
        self._streams.add(stream)
        SESSIONS.inc()
        SESSIONS_OPENED.inc()

    def discard(self, stream: QueuedStream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)
            SESSIONS.dec()

    def collect(self) -> Iterator[Metric]:
        streams = list(self._streams)
        queued = [s.queued for s in streams]
        yield GaugeMetricFamily(
            "chorus_room_rooms",
            "Rooms with at least one open RoomSession stream on this instance.",
            len({s.room_id for s in streams}),
        )
        yield GaugeMetricFamily(
            "chorus_room_session_queue_depth",
            "Responses waiting to be sent, summed over the open streams.",
            sum(queued),
        )
        yield GaugeMetricFamily(
            "chorus_room_session_queue_depth_max",
            "Responses waiting in the fullest open stream's queue.",
            max(queued, default=0),
        )


OPEN_STREAMS = OpenStreams()
REGISTRY.register(OPEN_STREAMS)


def voice_turn(outcome: str) -> None:
    VOICE_TURNS.labels(outcome).inc()


def speech_failed() -> None:
    SPEECH_FAILURES.inc()
