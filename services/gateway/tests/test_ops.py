"""/healthz, /readyz and /metrics."""

from __future__ import annotations

import pytest

from .chat_service import ChatServiceStandIn
from .conftest import GatewayFactory, GatewayHarness


@pytest.mark.asyncio
async def test_healthz(gateway: GatewayHarness) -> None:
    response = await gateway.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_readyz_needs_room_and_chat(gateway_factory: GatewayFactory) -> None:
    gateway = await gateway_factory()  # the chat target is unreachable
    response = await gateway.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"room": True, "chat": False}

    chat = ChatServiceStandIn()
    try:
        ready = await gateway_factory(chat_target=await chat.start())
        response = await ready.http.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ready", "checks": {"room": True, "chat": True}}
    finally:
        await chat.stop()


@pytest.mark.asyncio
async def test_metrics_count_connections_and_frames(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id, invite = created["room"]["id"], created["inviteToken"]
    ann = await gateway.connect(room_id)
    await ann.join(invite, "Ann")
    await ann.send("not json")
    await ann.recv_until(lambda f: "error" in f)

    response = await gateway.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert await gateway.metric("chorus_gateway_connections") == 1
    assert await gateway.metric("chorus_gateway_room_links") == 1
    assert await gateway.metric("chorus_gateway_frames_in_total") == 2
    assert await gateway.metric("chorus_gateway_frames_rejected_total") == 1
    assert await gateway.metric("chorus_gateway_frames_out_total") >= 2
    assert await gateway.metric("chorus_gateway_slow_consumers_total") == 0
