"""Energy voice activity detection over 20 ms frames, incremental.

Cheap enough to run on every audio message (a few microseconds per frame):
it tells a turn where the speech is, whether anything was said at all, and
where the pauses are (to commit long turns and to notice that speech ended).
Whisper's own no-speech probability judges what this lets through.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from chorus_voice.audio import Samples, frame_levels_db
from chorus_voice.stt.base import SAMPLE_RATE

FRAME = SAMPLE_RATE // 50  # 20 ms
#: Loud frames in a row that make speech (shorter bursts are clicks).
MIN_SPEECH_FRAMES = 3


class EnergyVad:
    def __init__(self, threshold_dbfs: float, max_samples: int) -> None:
        self._threshold = threshold_dbfs
        self._loud = np.zeros(max_samples // FRAME + 1, dtype=bool)
        self._frames = 0
        self._pending = np.zeros(0, dtype=np.float32)

    @property
    def frames(self) -> int:
        return self._frames

    def push(self, samples: Samples) -> None:
        data = np.concatenate((self._pending, samples)) if len(self._pending) else samples
        whole = len(data) // FRAME * FRAME
        levels = frame_levels_db(data[:whole], FRAME)
        room = len(self._loud) - self._frames
        levels = levels[:room]
        self._loud[self._frames : self._frames + len(levels)] = levels > self._threshold
        self._frames += len(levels)
        self._pending = np.array(data[whole:], dtype=np.float32)

    def _speech(self, first: int, last: int) -> npt.NDArray[np.bool_]:
        """Speech flags of frames [first, last): loud runs of MIN_SPEECH_FRAMES or more."""
        lo = max(0, first - MIN_SPEECH_FRAMES + 1)
        hi = min(self._frames, last + MIN_SPEECH_FRAMES - 1)
        loud = self._loud[lo:hi]
        speech = np.zeros(len(loud), dtype=bool)
        if len(loud) >= MIN_SPEECH_FRAMES:
            # Frames that start a loud run long enough, then spread over the run.
            window = np.lib.stride_tricks.sliding_window_view(loud, MIN_SPEECH_FRAMES)
            starts = np.flatnonzero(window.all(axis=1))
            for offset in range(MIN_SPEECH_FRAMES):
                speech[starts + offset] = True
        return speech[first - lo : first - lo + max(0, min(last, self._frames) - first)]

    def has_speech(self, start: int = 0, end: int | None = None) -> bool:
        """Whether samples [start, end) hold speech."""
        last = self._frames if end is None else min(self._frames, -(-end // FRAME))
        return bool(self._speech(max(0, start // FRAME), last).any())

    def speech_span(self) -> tuple[int, int] | None:
        """First and last speech sample (end exclusive) so far."""
        speech = np.flatnonzero(self._speech(0, self._frames))
        if speech.size == 0:
            return None
        return int(speech[0]) * FRAME, (int(speech[-1]) + 1) * FRAME

    def latest_pause(self, start: int, end: int, min_samples: int) -> int | None:
        """The middle sample of the latest pause of at least ``min_samples``
        lying in [start, end), or None."""
        first, last = max(0, start // FRAME), min(self._frames, end // FRAME)
        if last - first <= 0:
            return None
        quiet = ~self._speech(first, last)
        need = max(1, min_samples // FRAME)
        run = 0
        for index in range(len(quiet) - 1, -1, -1):
            run = run + 1 if quiet[index] else 0
            if run >= need:
                # Extend the run to its start, then take its middle.
                begin = index
                while begin > 0 and quiet[begin - 1]:
                    begin -= 1
                stop = index + run
                return (first + (begin + stop) // 2) * FRAME
        return None

    def quietest(self, start: int, end: int, samples: Samples) -> int:
        """The quietest 100 ms point in [start, end) of ``samples``."""
        span = samples[start:end]
        levels = frame_levels_db(span, SAMPLE_RATE // 10)
        if levels.size == 0:
            return end
        return start + int(np.argmin(levels)) * (SAMPLE_RATE // 10) + SAMPLE_RATE // 20
