"""Prometheus metrics of one gateway process.

The hot paths (a frame in, a frame out to each member) bump plain ints; the
collector turns them into metric families only when /metrics is scraped, so
fan-out pays no lock per delivered frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class GatewayMetrics(Collector):
    def __init__(self) -> None:
        self.connections_opened = 0
        self.connections_open = 0
        self.frames_in = 0
        self.frames_out = 0
        self.frames_rejected = 0
        self.slow_consumers = 0
        self.links_opened = 0
        self.link_failures = 0
        self._links_open: Callable[[], int] = lambda: 0

    def track_links(self, count: Callable[[], int]) -> None:
        self._links_open = count

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "chorus_gateway_connections", "Open WebSocket connections.", self.connections_open
        )
        yield CounterMetricFamily(
            "chorus_gateway_connections_opened",
            "WebSocket connections accepted.",
            self.connections_opened,
        )
        yield CounterMetricFamily(
            "chorus_gateway_frames_in", "Client frames received.", self.frames_in
        )
        yield CounterMetricFamily(
            "chorus_gateway_frames_out", "Server frames queued to members.", self.frames_out
        )
        yield CounterMetricFamily(
            "chorus_gateway_frames_rejected",
            "Client frames answered with an error by the gateway.",
            self.frames_rejected,
        )
        yield CounterMetricFamily(
            "chorus_gateway_slow_consumers",
            "Connections closed because their outbound queue was full.",
            self.slow_consumers,
        )
        yield GaugeMetricFamily(
            "chorus_gateway_room_links", "Open room streams.", self._links_open()
        )
        yield CounterMetricFamily(
            "chorus_gateway_room_links_opened", "Room streams opened.", self.links_opened
        )
        yield CounterMetricFamily(
            "chorus_gateway_room_link_failures",
            "Room streams that failed (every member was told to reconnect).",
            self.link_failures,
        )

    def registry(self) -> CollectorRegistry:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(self)
        return registry
