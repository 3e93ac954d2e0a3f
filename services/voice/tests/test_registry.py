from __future__ import annotations

from pathlib import Path

import pytest
from chorus_voice.config import DEFAULT_REGISTRY
from chorus_voice.registry import RegistryError, load_registry, parse_registry

MINIMAL = """
default_voice = "a"
default_stt_model = "s"

[[stt_models]]
id = "s"
path = "whisper-base"

[[voices]]
id = "a"
model = "piper/x.onnx"
"""


def test_the_shipped_registry_loads() -> None:
    registry = load_registry(DEFAULT_REGISTRY)

    assert registry.default_voice == "joe"
    assert registry.default_stt_model == "whisper-base"
    assert len(registry.voices) >= 4
    assert {m.id for m in registry.stt_models} >= {"whisper-base", "whisper-tiny.en"}
    # Told apart by pitch: no two share one.
    pitches = [voice.pitch_semitones for voice in registry.voices]
    assert len(set(pitches)) == len(pitches)


def test_defaults_and_paths() -> None:
    registry = parse_registry(MINIMAL)
    voice = registry.voices[0]

    assert voice.engine == "piper"
    assert voice.speed == 1.0 and voice.pitch_semitones == 0.0
    assert voice.model_path(Path("/m")) == Path("/m/piper/x.onnx")
    assert voice.config_path(Path("/m")) == Path("/m/piper/x.onnx.json")
    assert registry.stt_models[0].folder(Path("/m")) == Path("/m/whisper-base")


def test_pitch_and_speed_become_factors() -> None:
    registry = parse_registry(
        MINIMAL.replace(
            'model = "piper/x.onnx"', 'model = "/abs/x.onnx"\npitch_semitones = 12.0\nspeed = 1.25'
        )
    )
    voice = registry.voices[0]

    assert voice.pitch_factor == pytest.approx(2.0)
    assert voice.length_scale == pytest.approx(0.8)
    assert voice.model_path(Path("/m")) == Path("/abs/x.onnx")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('id = "a"', 'id = "a"\ncolour = "blue"'), "colour"),
        (('default_voice = "a"', 'default_voice = "b"'), "default voice"),
        (('default_stt_model = "s"', 'default_stt_model = "t"'), "default stt model"),
        (
            ('model = "piper/x.onnx"', 'model = "piper/x.onnx"\npitch_semitones = 30'),
            "pitch_semitones",
        ),
        (('model = "piper/x.onnx"', 'model = "piper/x.onnx"\nengine = "espeak"'), "engine"),
        (("[[voices]]", '[[voices]]\nid = "a"\nmodel = "m"\n[[voices]]'), "duplicate voice"),
        (("default_voice", "default_voice = "), "not valid TOML"),
    ],
)
def test_mistakes_are_reported_at_start(change: tuple[str, str], message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        parse_registry(MINIMAL.replace(*change, 1))


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "nope.toml")
