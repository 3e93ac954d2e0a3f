"""Prometheus metrics of one gateway process.

The hot paths (a frame in, a frame out to each member) bump plain ints on the
app's ``GatewayMetrics``; the collector turns them into metric families only
when /metrics is scraped, so fan-out pays no lock per delivered frame. HTTP
requests and REST errors, which are rare by comparison, are ordinary
process-wide metrics. /metrics shows both, and the process's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from chorus.v1 import room_pb2
from chorus_common.metrics import LATENCY_BUCKETS, Combined
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "chorus_gateway_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "chorus_gateway_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "chorus_gateway_errors",
    "REST requests answered with an error, by ErrorCode.",
    ["code"],
)


def observe_http(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_DURATION.labels(route).observe(seconds)


def error_answered(code: room_pb2.ErrorCode) -> None:
    name = room_pb2.ErrorCode.Name(code) if code in room_pb2.ErrorCode.values() else "UNKNOWN"
    ERRORS.labels(name.removeprefix("ERROR_CODE_")).inc()


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

    def registry(self) -> Collector:
        """This app's counters and the process-wide registry, as one."""
        registry = CollectorRegistry(auto_describe=True)
        registry.register(self)
        return Combined(registry, REGISTRY)
