from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from chorus_chat.config import DEFAULT_REGISTRY
from chorus_chat.registry import (
    LlamaCppModel,
    OpenAIModel,
    RegistryError,
    load_registry,
    parse_registry,
)

VALID = """
default_model = "local"

[[models]]
id = "local"
provider = "llama_cpp"
file = "model.gguf"
context_size = 2048
defaults = { temperature = 0.5, max_tokens = 64, stop = ["\\n\\n"] }

[[models]]
id = "remote"
display_name = "Remote"
provider = "openai"
base_url = "http://127.0.0.1:8000/v1"
model = "served-name"
api_key_env = "REMOTE_KEY"
"""


def test_parses_both_providers_with_defaults() -> None:
    registry = parse_registry(VALID)

    local = registry.get("local")
    remote = registry.get("remote")
    assert isinstance(local, LlamaCppModel)
    assert isinstance(remote, OpenAIModel)
    assert registry.default_model == "local"
    assert local.defaults.to_sampling().max_tokens == 64
    assert local.defaults.stop == ("\n\n",)
    assert local.label == "local"
    assert local.path_in(Path("/models")) == Path("/models/model.gguf")
    assert remote.label == "Remote"
    assert remote.context_size == 4096
    assert remote.api_key_env == "REMOTE_KEY"
    assert registry.get("nope") is None


def test_the_committed_registry_is_valid() -> None:
    registry = load_registry(DEFAULT_REGISTRY)

    assert registry.get(registry.default_model) is not None
    assert registry.get("smollm2-135m") is not None


def test_absolute_file_paths_are_kept() -> None:
    registry = parse_registry(VALID.replace('"model.gguf"', '"/abs/m.gguf"'))
    local = registry.get("local")

    assert isinstance(local, LlamaCppModel)
    assert local.path_in(Path("/models")) == Path("/abs/m.gguf")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('id = "remote"', 'id = "local"'), "duplicate model id 'local'"),
        (
            lambda t: t.replace('default_model = "local"', 'default_model = "x"'),
            "default_model 'x'",
        ),
        (lambda t: t.replace("context_size = 2048", "context_sise = 2048"), "context_sise"),
        (lambda t: t.replace('provider = "openai"', 'provider = "bard"'), "models.1"),
        (lambda t: t.replace('file = "model.gguf"', ""), "models.0.llama_cpp.file"),
        (lambda t: t.replace("REMOTE_KEY", "not a name"), "api_key_env"),
        (lambda t: t.replace("http://127", "ftp://127"), "base_url"),
        (lambda t: t.replace("temperature = 0.5", "temperature = 9.0"), "temperature"),
        (lambda t: t + "\n[[models]\n", "not valid TOML"),
    ],
)
def test_invalid_registries_say_what_is_wrong(edit: Callable[[str], str], message: str) -> None:
    with pytest.raises(RegistryError, match="inline") as info:
        parse_registry(edit(VALID), "inline")

    assert message in str(info.value)


def test_missing_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read model registry"):
        load_registry(tmp_path / "missing.toml")


def test_empty_model_list_is_rejected() -> None:
    with pytest.raises(RegistryError, match="models"):
        parse_registry('default_model = "a"\nmodels = []\n')
