"""Prometheus metrics of the scale-out adapters (default registry): what to
watch when several instances share DynamoDB and Redis (docs/scale-out.md)."""

from __future__ import annotations

from prometheus_client import Counter

STORE_RETRIES = Counter(
    "chorus_room_store_retries",
    "DynamoDB calls retried after throttling or a transient failure, by operation.",
    ["operation"],
)
STORE_SEQ_RACES = Counter(
    "chorus_room_store_seq_races",
    "Appends that lost a room's next seq to another instance (or a transaction"
    " conflict) and tried again.",
)
BUS_RECONNECTS = Counter(
    "chorus_room_bus_reconnects", "Times the Redis bus connected again after losing Redis."
)
BUS_PUBLISH_DROPPED = Counter(
    "chorus_room_bus_publish_dropped",
    "Messages the Redis bus could not publish (Redis unreachable or the outbox full).",
)
BUS_RESYNCS = Counter(
    "chorus_room_bus_resyncs",
    "Times a room subscriber had dropped bus messages and resynced from the store.",
)
