from __future__ import annotations

import numpy as np
import pytest
from chorus_voice.pitch import median_f0_hz


def voiced(f0: float, rate: int = 22050, seconds: float = 1.0) -> np.ndarray:
    """A buzz with harmonics that fall off, and a strong second harmonic
    (the case that fools a plain autocorrelation peak)."""
    t = np.arange(int(rate * seconds)) / rate
    wave = np.zeros_like(t)
    for harmonic, weight in ((1, 0.5), (2, 1.0), (3, 0.4), (4, 0.2), (5, 0.1)):
        wave += weight * np.sin(2 * np.pi * f0 * harmonic * t)
    return (0.3 * wave / np.abs(wave).max()).astype(np.float32)


@pytest.mark.parametrize("f0", [70.0, 90.0, 113.0, 143.0, 220.0])
def test_median_f0_of_a_voiced_buzz(f0: float) -> None:
    assert median_f0_hz(voiced(f0), 22050) == pytest.approx(f0, rel=0.02)


def test_silence_has_no_pitch() -> None:
    assert median_f0_hz(np.zeros(22050, dtype=np.float32), 22050) == 0.0


def test_noise_is_mostly_unvoiced() -> None:
    noise = np.random.default_rng(1).normal(0, 0.1, 22050).astype(np.float32)
    # White noise has no period: few frames pass YIN's threshold, if any.
    from chorus_voice.pitch import frame_f0s

    assert len(frame_f0s(noise, 22050)) <= 3
