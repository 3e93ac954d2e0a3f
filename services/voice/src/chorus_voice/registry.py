"""The voice registry: named voices and speech-to-text models (TOML).

See docs/voice.md for the format. Parsing is strict (unknown keys are
errors) so that a typo fails at start, not at the first request. Paths are
relative to the models folder (CHORUS_VOICE_MODELS_DIR) unless absolute.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,63}$"


class RegistryError(Exception):
    """The registry file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def resolve(path: str, models_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else models_dir / candidate


class SttModel(_Strict):
    """A Whisper model converted for CTranslate2 (a folder with model.bin,
    config.json, tokenizer.json, vocabulary.txt)."""

    id: str = Field(pattern=_ID_PATTERN)
    display_name: str = ""
    description: str = ""
    path: str = Field(min_length=1)
    # 1 is greedy (fastest); more searches wider for a little accuracy.
    beam_size: int = Field(default=1, ge=1, le=10)

    def folder(self, models_dir: Path) -> Path:
        return resolve(self.path, models_dir)


class Voice(_Strict):
    """A named voice: a Piper model, and how to speak with it."""

    id: str = Field(pattern=_ID_PATTERN)
    display_name: str = ""
    description: str = ""
    engine: Literal["piper"] = "piper"
    # The .onnx file; its config is `config` or the same path plus ".json".
    model: str = Field(min_length=1)
    config: str | None = None
    # A speaker of a multi-speaker model: its number, or its name in the
    # model's speaker_id_map. None takes the model's first speaker.
    speaker: int | str | None = None
    # Tempo: 1.25 speaks a quarter faster (Piper's length_scale is 1 / speed).
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    # Pitch shift in semitones (+12 is an octave up), by resampling: see docs/voice.md.
    pitch_semitones: float = Field(default=0.0, ge=-12.0, le=12.0)
    # Piper's generator noise and phoneme-width noise; None keeps the model's.
    noise_scale: float | None = Field(default=None, ge=0.0, le=2.0)
    noise_w_scale: float | None = Field(default=None, ge=0.0, le=2.0)

    @property
    def label(self) -> str:
        return self.display_name or self.id

    @property
    def pitch_factor(self) -> float:
        return math.pow(2.0, self.pitch_semitones / 12.0)

    @property
    def length_scale(self) -> float:
        return 1.0 / self.speed

    def model_path(self, models_dir: Path) -> Path:
        return resolve(self.model, models_dir)

    def config_path(self, models_dir: Path) -> Path:
        if self.config:
            return resolve(self.config, models_dir)
        onnx = self.model_path(models_dir)
        return onnx.with_name(onnx.name + ".json")


class Registry(_Strict):
    default_voice: str
    default_stt_model: str
    voices: tuple[Voice, ...] = Field(min_length=1)
    stt_models: tuple[SttModel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_ids(self) -> Registry:
        for kind, ids, default in (
            ("voice", [v.id for v in self.voices], self.default_voice),
            ("stt model", [m.id for m in self.stt_models], self.default_stt_model),
        ):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} id(s): {', '.join(duplicates)}")
            if default not in ids:
                raise ValueError(f"the default {kind} {default!r} is not one of {ids}")
        return self

    def voice(self, voice_id: str) -> Voice | None:
        return next((v for v in self.voices if v.id == voice_id), None)

    def stt_model(self, model_id: str) -> SttModel | None:
        return next((m for m in self.stt_models if m.id == model_id), None)


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def parse_registry(text: str, source: str = "<registry>") -> Registry:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return Registry.model_validate(data)
    except ValidationError as exc:
        raise RegistryError(f"{source}: invalid voice registry:\n{_describe(exc)}") from exc


def load_registry(path: Path) -> Registry:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read voice registry {path}: {exc.strerror}") from exc
    return parse_registry(text, str(path))
