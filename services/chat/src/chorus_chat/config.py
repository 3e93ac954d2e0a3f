"""The chat service's settings: environment variables prefixed CHORUS_CHAT_."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# services/chat/models.toml, next to this package's source tree.
DEFAULT_REGISTRY = Path(__file__).resolve().parents[2] / "models.toml"
DEFAULT_MODELS_DIR = Path("~/.cache/chorus/models")


class ChatSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHORUS_CHAT_", extra="ignore", populate_by_name=True, frozen=True
    )

    host: str = "127.0.0.1"
    # 0 picks a free port (tests).
    port: int = Field(default=50052, ge=0, le=65535)
    registry_path: Path = DEFAULT_REGISTRY
    # Where GGUF files live; CHORUS_MODELS_DIR (shared with scripts/fetch_models.py) works too.
    models_dir: Path = Field(
        default=DEFAULT_MODELS_DIR,
        validation_alias=AliasChoices("CHORUS_CHAT_MODELS_DIR", "CHORUS_MODELS_DIR"),
    )
    # Overrides the registry's default_model.
    default_model: str | None = None
    # Models to load at start (ids), so the first request does not pay for it.
    preload_models: list[str] = Field(default_factory=list)
    # llama.cpp CPU threads; None uses every core.
    n_threads: int | None = Field(default=None, ge=1)
    # Give up on a completion when no chunk arrives for this long (requests may set less or more).
    request_timeout_s: float = Field(default=120.0, gt=0)
    # Requests that may wait for a busy model; one more is refused with OVERLOADED.
    max_queue_depth: int = Field(default=16, ge=0)
    # How long SIGTERM lets running streams finish.
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    # Prometheus /metrics of `python -m chorus_chat` (an HTTP listener; 0 picks a free port).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9152, ge=0, le=65535)

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir.expanduser()
