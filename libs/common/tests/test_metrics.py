"""The /metrics listener of the gRPC services: real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from chorus_common.metrics import Combined, MetricsServer, sample
from prometheus_client import CollectorRegistry, Counter


async def _http(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


@pytest.mark.asyncio
async def test_serves_the_registry_as_prometheus_text() -> None:
    registry = CollectorRegistry()
    hits = Counter("chorus_test_hits", "Hits.", registry=registry)
    hits.inc(3)
    server = MetricsServer(registry)
    port = await server.start()
    try:
        answer = await _http(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert b"Content-Type: text/plain; version=" in head
        assert b"chorus_test_hits_total 3.0" in body

        head_only = await _http(port, b"HEAD /metrics?x=1 HTTP/1.1\r\n\r\n")
        assert head_only.startswith(b"HTTP/1.1 200 OK") and head_only.endswith(b"\r\n\r\n")
        assert (await _http(port, b"GET / HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 404")
        assert (await _http(port, b"POST /metrics HTTP/1.1\r\n\r\n")).startswith(b"HTTP/1.1 405")
        assert (await _http(port, b"nonsense\r\n\r\n")).startswith(b"HTTP/1.1 400")
        too_long = b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 10_000 + b"\r\n\r\n"
        assert (await _http(port, too_long)).startswith(b"HTTP/1.1 431")
    finally:
        await server.aclose()


@pytest.mark.asyncio
async def test_aclose_ends_connections_that_never_finish_their_request() -> None:
    server = MetricsServer(CollectorRegistry())
    port = await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\n")  # and never the blank line
    await writer.drain()
    await asyncio.sleep(0.05)
    async with asyncio.timeout(2):
        await server.aclose()
        assert await reader.read() == b""  # closed by the server
    writer.close()
    await writer.wait_closed()
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    await server.aclose()  # twice is fine


def test_combined_collectors_read_as_one() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    Counter("chorus_test_a", "A.", registry=first).inc()
    Counter("chorus_test_b", "B.", registry=second).inc(2)
    both = Combined(first, second)
    assert sample(both, "chorus_test_a_total") == 1
    assert sample(both, "chorus_test_b_total") == 2
    assert sample(both, "chorus_test_missing") == 0
