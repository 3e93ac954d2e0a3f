"""The voice service's settings: environment variables prefixed CHORUS_VOICE_."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# services/voice/voices.toml, next to this package's source tree.
DEFAULT_REGISTRY = Path(__file__).resolve().parents[2] / "voices.toml"
DEFAULT_MODELS_DIR = Path("~/.cache/chorus/models")

Device = Literal["auto", "cpu", "cuda"]
ComputeType = Literal["auto", "int8", "int8_float16", "int8_float32", "float16", "float32"]


class VoiceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHORUS_VOICE_", extra="ignore", populate_by_name=True, frozen=True
    )

    host: str = "127.0.0.1"
    # 0 picks a free port (tests).
    port: int = Field(default=50053, ge=0, le=65535)
    registry_path: Path = DEFAULT_REGISTRY
    # Where model files live (scripts/fetch_models.py puts them there);
    # CHORUS_MODELS_DIR (shared with the chat service) works too.
    models_dir: Path = Field(
        default=DEFAULT_MODELS_DIR,
        validation_alias=AliasChoices("CHORUS_VOICE_MODELS_DIR", "CHORUS_MODELS_DIR"),
    )
    # Overrides the registry's default STT model and default voice.
    stt_model: str | None = None
    default_voice: str | None = None
    # STT models loaded at start besides the default (ids); others load at first use.
    preload_stt_models: list[str] = Field(default_factory=list)
    # auto: CUDA when CTranslate2 sees a GPU, else the CPU.
    device: Device = "auto"
    # auto: float16 on CUDA, int8 on the CPU.
    compute_type: ComputeType = "auto"
    # CPU threads of one STT decode and of one TTS synthesis (0: every core).
    stt_threads: int = Field(default=0, ge=0)
    tts_threads: int = Field(default=0, ge=0)

    # Longest push-to-talk turn, in seconds of audio.
    max_turn_s: float = Field(default=60.0, gt=0, le=600)
    # Turns transcribed at once; one more is refused with OVERLOADED.
    max_concurrent_turns: int = Field(default=8, ge=1)
    # Syntheses running or waiting at once; one more is refused with OVERLOADED.
    max_concurrent_syntheses: int = Field(default=8, ge=1)
    # Longest text of one Synthesize call, in characters.
    max_text_chars: int = Field(default=2000, ge=1)
    # A new partial transcript is decoded after at least this much new audio.
    partial_interval_s: float = Field(default=0.6, gt=0)
    # Frames louder than this count as speech (energy voice activity detection).
    speech_threshold_dbfs: float = Field(default=-45.0, le=0)

    # How long SIGTERM lets running calls finish.
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    # Prometheus /metrics of `python -m chorus_voice` (an HTTP listener; 0 picks a free port).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9153, ge=0, le=65535)

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir.expanduser()
