"""scripts/fetch_models.py, without the network: idempotence, joining, failures."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "fetch_models.py"


@pytest.fixture(scope="module")
def fetch_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chorus_fetch_models", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_lists_the_models(fetch_models: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert fetch_models.main(["--list"]) == 0

    out = capsys.readouterr().out
    assert "smollm2-135m" in out
    assert "qwen2.5-coder-1.5b" in out


def test_unknown_models_are_refused(fetch_models: ModuleType) -> None:
    assert fetch_models.main(["gpt-9"]) == 2


def test_every_pin_is_a_sha256(fetch_models: ModuleType) -> None:
    for spec in fetch_models.MODELS.values():
        assert len(spec.sha256) == 64
        assert spec.size > 0
        assert spec.parts


def test_a_present_verified_file_is_not_fetched_again(
    fetch_models: ModuleType,
    smollm_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / smollm_path.name
    try:
        os.link(smollm_path, target)
    except OSError:
        shutil.copyfile(smollm_path, target)
    monkeypatch.setenv("CHORUS_MODELS_DIR", str(tmp_path))

    # A uv that cannot run proves nothing is installed.
    assert fetch_models.main(["smollm2-135m", "--uv", "/nonexistent/uv"]) == 0


def test_a_damaged_file_is_fetched_again_and_a_failed_install_is_reported(
    fetch_models: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"truncated")

    code = fetch_models.main(["smollm2-135m", "--dir", str(tmp_path), "--uv", "false"])

    assert code == 1
    out = capsys.readouterr().out
    assert "wrong size" in out
    assert "uv pip install failed" in out
    assert not list(tmp_path.glob(".*partial"))


def test_parts_are_joined_in_order_and_hashed(fetch_models: ModuleType, tmp_path: Path) -> None:
    parts = []
    for index, data in enumerate([b"alpha", b"beta", b"gamma"]):
        part = tmp_path / f"part{index}.bin"
        part.write_bytes(data)
        parts.append(part)

    digest = fetch_models.assemble(parts, tmp_path / "joined")

    assert (tmp_path / "joined").read_bytes() == b"alphabetagamma"
    assert digest == hashlib.sha256(b"alphabetagamma").hexdigest()
