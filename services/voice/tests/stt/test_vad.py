from __future__ import annotations

import numpy as np
from chorus_voice.stt.base import SAMPLE_RATE
from chorus_voice.stt.vad import EnergyVad


def burst(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * 200 * t)).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(SAMPLE_RATE * seconds), dtype=np.float32)


def vad_of(*parts: np.ndarray, chunk: int = 1234) -> EnergyVad:
    audio = np.concatenate(parts)
    vad = EnergyVad(-45.0, len(audio) + SAMPLE_RATE)
    # Fed in pieces that do not line up with frames, as a network delivers them.
    for start in range(0, len(audio), chunk):
        vad.push(audio[start : start + chunk])
    return vad


def test_silence_and_clicks_are_not_speech() -> None:
    click = burst(0.03)  # shorter than the 60 ms a speech run needs
    vad = vad_of(quiet(0.5), click, quiet(0.5))

    assert not vad.has_speech()
    assert vad.speech_span() is None


def test_where_the_speech_is() -> None:
    vad = vad_of(quiet(0.5), burst(1.0), quiet(0.4), burst(0.5), quiet(0.3))

    assert vad.has_speech()
    span = vad.speech_span()
    assert span is not None
    start, end = span
    assert abs(start - 0.5 * SAMPLE_RATE) <= 320
    assert abs(end - 2.4 * SAMPLE_RATE) <= 320
    assert not vad.has_speech(int(2.45 * SAMPLE_RATE))
    assert vad.has_speech(int(2.0 * SAMPLE_RATE), int(2.1 * SAMPLE_RATE))
    assert not vad.has_speech(int(1.55 * SAMPLE_RATE), int(1.85 * SAMPLE_RATE))


def test_latest_pause() -> None:
    vad = vad_of(burst(1.0), quiet(0.5), burst(1.0), quiet(0.2), burst(1.0))

    pause = vad.latest_pause(0, 3 * SAMPLE_RATE, int(0.3 * SAMPLE_RATE))

    # The 0.5 s pause (1.0-1.5 s), not the 0.2 s one: its middle.
    assert pause is not None
    assert abs(pause - 1.25 * SAMPLE_RATE) <= 320
    assert vad.latest_pause(0, 3 * SAMPLE_RATE, int(0.6 * SAMPLE_RATE)) is None


def test_quietest_point() -> None:
    audio = np.concatenate([burst(1.0), burst(0.2, level=0.01), burst(1.0)])
    vad = vad_of(audio)

    point = vad.quietest(0, len(audio), audio)

    assert 1.0 * SAMPLE_RATE <= point <= 1.2 * SAMPLE_RATE
