"""Prometheus plumbing shared by the services.

Each process has one registry, prometheus-client's default ``REGISTRY``
(which also carries the ``process_*`` and ``python_*`` metrics); each
service declares its metrics once, in its own ``metrics`` module, named
``chorus_<service>_<what>[_<unit>]``. The room and chat services are gRPC
servers, so they serve the text exposition from a small asyncio HTTP
listener (``MetricsServer``); the gateway serves it on its own HTTP port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

__all__ = ["LATENCY_BUCKETS", "REGISTRY", "Combined", "MetricsServer", "sample"]

log = logging.getLogger("chorus.metrics")

#: Buckets (seconds) for waits and latencies a person feels: first tokens,
#: queue waits, whole replies.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0)

#: Longest request head (request line and headers) the listener reads.
MAX_HEAD_BYTES = 8192
#: Seconds a client has to send its request and take the answer.
IO_TIMEOUT_S = 5.0


class Combined(Collector):
    """Several collectors (registries) exposed as one."""

    def __init__(self, *parts: Collector) -> None:
        self._parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self._parts:
            yield from part.collect()


def _response(status: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class MetricsServer:
    """``GET /metrics`` over HTTP/1.1, one request per connection.

    ``port = await start()``, ``await aclose()``. It runs on the service's
    event loop (no thread); scrapes are rare and the exposition is built in
    well under a millisecond. Connections are tracked and closed by
    ``aclose()``, so none outlives the service.
    """

    def __init__(self, registry: Collector = REGISTRY, *, host: str = "127.0.0.1", port: int = 0):
        self._registry = registry
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the metrics server is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> int:
        self._server = await asyncio.start_server(
            self._serve, self._host, self._port, limit=MAX_HEAD_BYTES
        )
        log.info("metrics on http://%s:%d/metrics", self._host, self.port)
        return self.port

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        clients = list(self._clients)
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            async with asyncio.timeout(IO_TIMEOUT_S):
                writer.write(self._answer(await reader.readuntil(b"\r\n\r\n")))
                await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.LimitOverrunError:
            writer.write(_response("431 Request Header Fields Too Large", b""))
        finally:
            self._clients.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    def _answer(self, head: bytes) -> bytes:
        parts = head.split(b"\r\n", 1)[0].split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            return _response("400 Bad Request", b"bad request\n")
        method, target = parts[0], parts[1].split(b"?", 1)[0]
        if target != b"/metrics":
            return _response("404 Not Found", b"not found: try /metrics\n")
        if method not in (b"GET", b"HEAD"):
            return _response("405 Method Not Allowed", b"method not allowed\n")
        body = generate_latest(self._registry)
        answer = _response("200 OK", body, CONTENT_TYPE_LATEST)
        return answer[: len(answer) - len(body)] if method == b"HEAD" else answer


def sample(registry: Collector, name: str, labels: dict[str, str] | None = None) -> float:
    """One sample's value (0 when absent): for tests and benchmarks."""
    wanted = labels or {}
    for metric in registry.collect():
        for s in metric.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in wanted.items()):
                return float(s.value)
    return 0.0
