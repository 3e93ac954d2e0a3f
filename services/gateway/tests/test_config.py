"""Settings come from CHORUS_GATEWAY_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from chorus_gateway.config import GatewaySettings
from pydantic import ValidationError


def test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_GATEWAY_PORT", "9000")
    monkeypatch.setenv("CHORUS_GATEWAY_ROOM_TARGET", "room:1")
    monkeypatch.setenv("CHORUS_GATEWAY_WEB_DIST", "/srv/web")
    monkeypatch.setenv("CHORUS_GATEWAY_OUTBOUND_QUEUE_FRAMES", "64")
    settings = GatewaySettings()
    assert settings.port == 9000
    assert settings.room_target == "room:1"
    assert settings.web_dist == Path("/srv/web")
    assert settings.outbound_queue_frames == 64
    assert settings.gateway_id.startswith("gw-")
    assert GatewaySettings().gateway_id != settings.gateway_id


def test_invalid_values_fail_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_GATEWAY_MAX_FRAME_BYTES", "0")
    with pytest.raises(ValidationError):
        GatewaySettings()
