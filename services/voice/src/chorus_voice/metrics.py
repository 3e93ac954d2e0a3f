"""The voice service's Prometheus metrics (process-wide, on the default registry)."""

from __future__ import annotations

from chorus_common.metrics import LATENCY_BUCKETS
from prometheus_client import Counter, Gauge, Histogram

#: Finer buckets for the waits voice is judged on (tens to hundreds of ms).
VOICE_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0, 1.5, 2.5, 5.0)

TRANSCRIBED = Counter(
    "chorus_voice_turns",
    "Transcribe calls finished, by STT model and outcome (final, an error code, or cancelled).",
    ["model", "outcome"],
)
STT_TAIL = Histogram(
    "chorus_voice_stt_tail_seconds",
    "From the caller's half-close (push-to-talk release) to the final transcript.",
    ["model"],
    buckets=VOICE_BUCKETS,
)
STT_DECODE = Histogram(
    "chorus_voice_stt_decode_seconds",
    "Time spent decoding per turn, partials included.",
    ["model"],
    buckets=LATENCY_BUCKETS,
)
STT_AUDIO = Counter(
    "chorus_voice_stt_audio_seconds", "Seconds of audio received for transcription.", ["model"]
)
SYNTHESIZED = Counter(
    "chorus_voice_syntheses",
    "Synthesize calls finished, by voice and outcome (done, an error code, or cancelled).",
    ["voice", "outcome"],
)
TTS_FIRST_AUDIO = Histogram(
    "chorus_voice_tts_first_audio_seconds",
    "From a Synthesize request to its first audio chunk.",
    ["voice"],
    buckets=VOICE_BUCKETS,
)
TTS_AUDIO = Counter(
    "chorus_voice_tts_audio_seconds", "Seconds of audio synthesized, by voice.", ["voice"]
)
ERRORS = Counter(
    "chorus_voice_errors", "Calls that ended with a typed error, by RPC and code.", ["rpc", "code"]
)
REJECTED = Counter(
    "chorus_voice_rejected", "Calls refused with OVERLOADED because a cap was reached.", ["rpc"]
)
TURNS_IN_FLIGHT = Gauge("chorus_voice_turns_in_flight", "Transcribe calls being served now.")
SYNTHESES_IN_FLIGHT = Gauge(
    "chorus_voice_syntheses_in_flight", "Synthesize calls being served or waiting now."
)
