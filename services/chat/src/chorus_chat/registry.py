"""The model registry: which models exist, how to run them, their defaults (TOML).

See docs/models.md for the format. Parsing is strict (unknown keys are
errors) so that a typo fails at start, not at the first request.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chorus_chat.completion import Sampling

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$"
_ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class RegistryError(Exception):
    """The registry file is missing or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GenerationDefaults(_Strict):
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1)
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def to_sampling(self) -> Sampling:
        return Sampling(
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
            presence_penalty=self.presence_penalty,
            frequency_penalty=self.frequency_penalty,
            stop=self.stop,
            seed=self.seed,
        )


class _ModelBase(_Strict):
    id: str = Field(pattern=_ID_PATTERN)
    display_name: str = ""
    context_size: int = Field(default=4096, ge=128, le=1_048_576)
    defaults: GenerationDefaults = GenerationDefaults()

    @property
    def label(self) -> str:
        return self.display_name or self.id


class LlamaCppModel(_ModelBase):
    """A local GGUF file run in-process by llama.cpp."""

    provider: Literal["llama_cpp"]
    # File name inside the models folder, or an absolute path.
    file: str = Field(min_length=1)
    # llama-cpp-python chat format; None reads the template from the GGUF.
    chat_format: str | None = None
    # Chat format used when a request forces a tool call.
    tool_chat_format: str = "chatml-function-calling"
    n_gpu_layers: int = Field(default=0, ge=-1)
    n_batch: int = Field(default=512, ge=1)
    # RAM for saved KV states of earlier prompts, for conversations (rooms)
    # that take turns on one model (0: only the live context is reused).
    prompt_cache_mb: int = Field(default=512, ge=0)
    # Keep the live context when a prompt drops a stretch of it (a history
    # window that moved on) by shifting the rest, instead of evaluating it again.
    context_shift: bool = True

    def path_in(self, models_dir: Path) -> Path:
        path = Path(self.file).expanduser()
        return path if path.is_absolute() else models_dir / path


class OpenAIModel(_ModelBase):
    """A model behind any OpenAI-compatible chat completions endpoint."""

    provider: Literal["openai"]
    base_url: str = Field(pattern=r"^https?://")
    # The model name the endpoint knows.
    model: str = Field(min_length=1)
    # Name of the environment variable that holds the API key; None sends none.
    api_key_env: str | None = Field(default=None, pattern=_ENV_NAME_PATTERN)
    max_concurrency: int = Field(default=8, ge=1)
    # Ask for token counts in the stream (stream_options.include_usage).
    include_usage: bool = True


ModelSpec = Annotated[LlamaCppModel | OpenAIModel, Field(discriminator="provider")]


class Registry(_Strict):
    default_model: str
    models: tuple[ModelSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_ids(self) -> Registry:
        seen: set[str] = set()
        for spec in self.models:
            if spec.id in seen:
                raise ValueError(f"duplicate model id {spec.id!r}")
            seen.add(spec.id)
        if self.default_model not in seen:
            raise ValueError(f"default_model {self.default_model!r} is not a model id")
        return self

    def get(self, model_id: str) -> LlamaCppModel | OpenAIModel | None:
        for spec in self.models:
            if spec.id == model_id:
                return spec
        return None


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
        raise RegistryError(f"{source}: invalid model registry:\n{_describe(exc)}") from exc


def load_registry(path: Path) -> Registry:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read model registry {path}: {exc.strerror}") from exc
    return parse_registry(text, str(path))
