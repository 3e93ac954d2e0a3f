from __future__ import annotations

from pathlib import Path

import pytest
from chorus_chat.config import ChatSettings
from pydantic import ValidationError


def test_reads_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_CHAT_PORT", "6000")
    monkeypatch.setenv("CHORUS_CHAT_MAX_QUEUE_DEPTH", "3")
    monkeypatch.setenv("CHORUS_CHAT_PRELOAD_MODELS", '["smollm2-135m"]')

    settings = ChatSettings()

    assert settings.port == 6000
    assert settings.max_queue_depth == 3
    assert settings.preload_models == ["smollm2-135m"]


def test_models_dir_follows_the_shared_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHORUS_CHAT_MODELS_DIR", raising=False)
    monkeypatch.setenv("CHORUS_MODELS_DIR", "/srv/models")
    assert ChatSettings().resolved_models_dir == Path("/srv/models")

    monkeypatch.setenv("CHORUS_CHAT_MODELS_DIR", "~/m")
    assert ChatSettings().resolved_models_dir == Path.home() / "m"


def test_keyword_arguments_win_and_are_validated() -> None:
    assert ChatSettings(models_dir=Path("/x"), port=0).models_dir == Path("/x")
    with pytest.raises(ValidationError):
        ChatSettings(request_timeout_s=0)
