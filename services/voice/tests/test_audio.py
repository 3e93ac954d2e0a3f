from __future__ import annotations

import numpy as np
import pytest
from chorus_voice.audio import (
    float_to_pcm16,
    frame_levels_db,
    pcm16_to_float,
    resample,
    resample_rate,
)


def tone(hz: float, rate: int, seconds: float, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def test_pcm16_round_trip() -> None:
    samples = np.array([0.0, 0.5, -0.5, 0.999, -1.0], dtype=np.float32)

    data = float_to_pcm16(samples)

    assert len(data) == 10
    assert np.allclose(pcm16_to_float(data), samples, atol=1 / 32768)


def test_pcm16_clips_out_of_range_samples() -> None:
    data = float_to_pcm16(np.array([2.0, -3.0], dtype=np.float32))

    assert list(np.frombuffer(data, dtype="<i2")) == [32767, -32767]


@pytest.mark.parametrize(("src", "dst"), [(22050, 16000), (16000, 22050), (22050, 22050)])
def test_resampling_keeps_a_tone_at_its_frequency(src: int, dst: int) -> None:
    out = resample_rate(tone(440.0, src, 1.0), src, dst)

    assert len(out) == dst
    assert peak_hz(out, dst) == pytest.approx(440.0, abs=2)


def test_squeezing_raises_the_pitch_by_the_same_factor() -> None:
    # The pitch trick: the same samples in 1/k of the length, played at the same rate.
    rate, factor = 22050, 1.5
    source = tone(200.0, rate, 1.5)

    out = resample(source, int(len(source) / factor))

    assert peak_hz(out, rate) == pytest.approx(300.0, abs=3)


def test_downsampling_drops_what_the_new_rate_cannot_carry() -> None:
    # 9 kHz is above the 8 kHz Nyquist frequency of 16 kHz audio: it must not fold back.
    out = resample_rate(tone(9000.0, 22050, 1.0), 22050, 16000)

    assert np.abs(out).max() < 0.01


def test_frame_levels() -> None:
    loud = tone(300.0, 16000, 0.1, level=1.0)
    quiet = np.zeros(1600, dtype=np.float32)

    levels = frame_levels_db(np.concatenate([loud, quiet]), 320)

    assert len(levels) == 10
    assert levels[:5] == pytest.approx(-3.0, abs=0.2)
    assert (levels[5:] < -100).all()
