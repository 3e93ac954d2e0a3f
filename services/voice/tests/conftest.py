from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chorus_voice.config import VoiceSettings
from chorus_voice.testing import VoiceServerThread

#: What `python scripts/fetch_models.py voice` puts in the models folder.
REQUIRED = (
    "whisper-base/model.bin",
    "whisper-tiny.en/model.bin",
    "piper/en_US-joe-medium.onnx",
    "piper/en_US-joe-medium.onnx.json",
)
#: Turns the session server takes at once (the overload test fills them).
MAX_TURNS = 3


def models_dir() -> Path:
    configured = os.environ.get("CHORUS_MODELS_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache/chorus/models"


@pytest.fixture(scope="session")
def voice_models() -> Path:
    folder = models_dir()
    missing = [name for name in REQUIRED if not (folder / name).is_file()]
    if missing:
        pytest.skip(
            f"voice models missing in {folder} ({', '.join(missing)}): "
            "run `python scripts/fetch_models.py voice`"
        )
    return folder


@pytest.fixture(scope="session")
def settings(voice_models: Path) -> VoiceSettings:
    return VoiceSettings(
        host="127.0.0.1",
        port=0,
        models_dir=voice_models,
        max_concurrent_turns=MAX_TURNS,
        shutdown_grace_s=1.0,
        metrics_port=0,
    )


@pytest.fixture(scope="session")
def voice(settings: VoiceSettings) -> Iterator[VoiceServerThread]:
    """The real voice service with the real models, once per session."""
    with VoiceServerThread(settings) as running:
        yield running
