"""PCM conversions, band-limited resampling and level measurement (numpy only)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

#: Full scale of signed 16-bit PCM.
_INT16_SCALE = 32768.0


def pcm16_to_float(data: bytes) -> Samples:
    """Little-endian signed 16-bit PCM to float32 in [-1, 1). ``len(data)`` must be even."""
    return (np.frombuffer(data, dtype="<i2").astype(np.float32) / _INT16_SCALE).astype(
        np.float32, copy=False
    )


def float_to_pcm16(samples: npt.NDArray[np.floating]) -> bytes:
    """Float samples (clipped to [-1, 1]) to little-endian signed 16-bit PCM."""
    scaled = np.clip(samples, -1.0, 1.0) * 32767.0
    return bytes(np.round(scaled).astype("<i2").tobytes())


def resample(samples: npt.NDArray[np.floating], length: int) -> Samples:
    """``samples`` stretched or squeezed to ``length`` samples, band-limited
    (an FFT resampler: everything above the lower of the two Nyquist
    frequencies is dropped, so nothing folds back).

    Used on whole Piper sentences (a second or a few), where the circular
    edges of the FFT land in the silence Piper puts around each sentence.
    """
    count = len(samples)
    if length <= 0 or count == 0:
        return np.zeros(max(length, 0), dtype=np.float32)
    if length == count:
        return np.asarray(samples, dtype=np.float32)
    spectrum = np.fft.rfft(np.asarray(samples, dtype=np.float64))
    bins = length // 2 + 1
    kept = np.zeros(bins, dtype=np.complex128)
    shared = min(bins, len(spectrum))
    kept[:shared] = spectrum[:shared]
    if length < count and length % 2 == 0:
        # The new Nyquist bin of an even length holds a real value.
        kept[bins - 1] = kept[bins - 1].real
    out = np.fft.irfft(kept, length) * (length / count)
    return out.astype(np.float32)


def resample_rate(samples: npt.NDArray[np.floating], from_hz: float, to_hz: float) -> Samples:
    return resample(samples, round(len(samples) * to_hz / from_hz))


def frame_levels_db(samples: npt.NDArray[np.floating], frame: int) -> npt.NDArray[np.float64]:
    """RMS level of each whole ``frame``-sample frame, in dB below full scale."""
    whole = len(samples) // frame
    if whole == 0:
        return np.zeros(0, dtype=np.float64)
    frames = np.asarray(samples[: whole * frame], dtype=np.float64).reshape(whole, frame)
    power = np.mean(frames * frames, axis=1)
    levels: npt.NDArray[np.float64] = 10.0 * np.log10(np.maximum(power, 1e-12))
    return levels
