"""Request ids, metrics and secrets at the gateway, with the real room
service behind it (in this process, so one log capture sees both)."""

from __future__ import annotations

import logging

import pytest
from chorus_common.testing import capture_logs

from .conftest import GatewayHarness

#: Loggers of this test's own clients (not the services'): they log what they send.
CLIENT_LOGGERS = ("websockets.client", "httpx", "httpcore")


@pytest.mark.asyncio
async def test_the_request_id_is_echoed_and_reaches_the_room(gateway: GatewayHarness) -> None:
    created = await gateway.create_room()
    room_id = created["room"]["id"]
    with capture_logs("gateway") as logs:
        refused = await gateway.http.get(
            f"/api/rooms/{room_id}",
            headers={"X-Request-ID": "q-client-1", "X-Chorus-Invite": "not-the-invite"},
        )
    assert refused.status_code == 403
    assert refused.headers["x-request-id"] == "q-client-1"
    (room_line,) = logs.matching("refused: ERROR_CODE_BAD_INVITE")
    assert room_line["request_id"] == "q-client-1" and room_line["room_id"] == room_id
    access = [line for line in logs.lines() if line["logger"] == "uvicorn.access"]
    assert access and access[-1]["request_id"] == "q-client-1"
    assert access[-1]["gateway_id"] == "gw-test"

    generated = await gateway.http.get("/healthz")
    assert generated.headers["x-request-id"].startswith("q")
    replaced = await gateway.http.get("/healthz", headers={"X-Request-ID": "no spaces allowed"})
    assert replaced.headers["x-request-id"].startswith("q")


@pytest.mark.asyncio
async def test_metrics_count_http_requests_and_errors_and_the_process(
    gateway: GatewayHarness,
) -> None:
    created = await gateway.create_room()
    await gateway.http.get(
        f"/api/rooms/{created['room']['id']}", headers={"X-Chorus-Invite": "wrong"}
    )
    text = (await gateway.http.get("/metrics")).text
    assert (
        'chorus_gateway_http_requests_total{method="GET",route="/api/rooms/{room_id}",status="403"}'
        in text
    )
    assert (
        'chorus_gateway_http_requests_total{method="POST",route="/api/rooms",status="201"}' in text
    )
    assert 'chorus_gateway_errors_total{code="BAD_INVITE"}' in text
    assert "chorus_gateway_http_request_duration_seconds_bucket" in text
    assert "process_resident_memory_bytes" in text
    assert await gateway.metric("chorus_gateway_connections") == 0


@pytest.mark.asyncio
async def test_tokens_appear_in_no_log_line_even_at_debug(gateway: GatewayHarness) -> None:
    with capture_logs("gateway", logging.DEBUG) as logs:
        created = await gateway.create_room(personas=[{"name": "Ada", "systemPrompt": "Be brief."}])
        room_id, invite, owner = (
            created["room"]["id"],
            created["inviteToken"],
            created["ownerToken"],
        )
        as_owner = {"Authorization": f"Bearer {owner}"}
        assert (await gateway.http.get(f"/api/rooms/{room_id}", headers=as_owner)).is_success
        history = await gateway.http.get(
            f"/api/rooms/{room_id}/history", headers={"X-Chorus-Invite": invite}
        )
        assert history.is_success
        ann = await gateway.connect(room_id, additional_headers=as_owner)
        welcome, _ = await ann.join(invite, "Ann")
        participant = welcome["participantToken"]
        await ann.send_message("hello @Ada", "m-1")
        await ann.aclose()
        again = await gateway.connect(room_id)
        await again.join(invite, "Ann", token=participant)
        await again.aclose()
    service_lines = [line for line in logs.lines() if not line["logger"].startswith(CLIENT_LOGGERS)]
    assert any(line["msg"] == "= connection is OPEN" for line in service_lines)  # DEBUG is on
    text = "\n".join(str(line) for line in service_lines)
    for secret in (invite, owner, participant):
        assert secret[:12] not in text  # not even a truncated dump of it
