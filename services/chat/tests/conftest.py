from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .llama_server import LlamaServer, llama_server

SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM_CONTEXT = 2048
SERVER_CONTEXT = 512
SERVER_KEY = "sk-test-0123456789abcdef"


def models_dir() -> Path:
    configured = os.environ.get("CHORUS_MODELS_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".cache/chorus/models"


@pytest.fixture(scope="session")
def smollm_path() -> Path:
    path = models_dir() / SMOLLM_FILE
    if not path.is_file():
        pytest.skip(f"{path} is missing: run `python scripts/fetch_models.py smollm2-135m`")
    return path


@pytest.fixture(scope="session")
def server(smollm_path: Path) -> Iterator[LlamaServer]:
    """llama-cpp-python's OpenAI-compatible server on SmolLM2, with an API key."""
    with llama_server(smollm_path, n_ctx=SERVER_CONTEXT, api_key=SERVER_KEY) as running:
        yield running
