"""Fundamental frequency of voiced speech, for telling voices apart.

YIN (de Cheveigné and Kawahara, 2002) per 40 ms frame over the loud
frames, and the median across them: robust enough to compare synthesized
voices (the tests and benchmarks/voice_service.py measure the voice presets
with it). YIN takes the first lag whose normalized difference dips under a
threshold, which avoids the octave errors of a plain autocorrelation peak.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from chorus_voice.audio import frame_levels_db

FRAME_S = 0.04
MIN_HZ = 50.0
MAX_HZ = 500.0
#: Frames this far below the loudest one, or below the floor, are not taken as voiced.
LOUDNESS_WINDOW_DB = 25.0
FLOOR_DBFS = -60.0
#: YIN's absolute threshold on the cumulative mean normalized difference.
THRESHOLD = 0.15


def _yin_lag(chunk: npt.NDArray[np.float64], shortest: int, longest: int) -> float | None:
    width = len(chunk) - longest
    if width <= 0:
        return None
    head = chunk[:width]
    energy0 = float(np.dot(head, head))
    # Difference function d(tau) = sum (x[t] - x[t+tau])^2 over t < width,
    # from the energy identity and one FFT cross-correlation.
    squares = np.concatenate(([0.0], np.cumsum(chunk * chunk)))
    size = 1 << (len(chunk) + width).bit_length()
    cross = np.fft.irfft(np.fft.rfft(chunk, size) * np.conj(np.fft.rfft(head, size)), size)[
        : longest + 1
    ]
    taus = np.arange(longest + 1)
    diff = energy0 + (squares[taus + width] - squares[taus]) - 2.0 * cross
    diff[0] = 0.0
    running = np.cumsum(diff[1:])
    cmnd = np.ones(longest + 1)
    cmnd[1:] = diff[1:] * np.arange(1, longest + 1) / np.maximum(running, 1e-12)
    below = np.flatnonzero(cmnd[shortest:] < THRESHOLD)
    if below.size == 0:
        return None
    tau = int(below[0]) + shortest
    # Walk down to the bottom of this dip.
    while tau + 1 <= longest and cmnd[tau + 1] < cmnd[tau]:
        tau += 1
    if 0 < tau < longest:
        a, b, c = cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]
        denom = a - 2 * b + c
        return tau + (0.5 * (a - c) / denom if denom != 0 else 0.0)
    return float(tau)


def frame_f0s(samples: npt.NDArray[np.floating], rate: int) -> list[float]:
    """F0 (Hz) of each voiced frame."""
    frame = int(rate * FRAME_S)
    levels = frame_levels_db(samples, frame)
    if levels.size == 0:
        return []
    loud = (levels >= levels.max() - LOUDNESS_WINDOW_DB) & (levels > FLOOR_DBFS)
    shortest, longest = int(rate / MAX_HZ), int(rate / MIN_HZ)
    out: list[float] = []
    for index in np.flatnonzero(loud):
        chunk = np.asarray(samples[index * frame : (index + 1) * frame], dtype=np.float64)
        lag = _yin_lag(chunk - chunk.mean(), shortest, min(longest, frame // 2))
        if lag:
            out.append(rate / lag)
    return out


def median_f0_hz(samples: npt.NDArray[np.floating], rate: int) -> float:
    """Median F0 over the voiced frames; 0.0 when none is voiced."""
    values = frame_f0s(samples, rate)
    return float(np.median(values)) if values else 0.0
