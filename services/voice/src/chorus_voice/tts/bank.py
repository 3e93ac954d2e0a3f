"""The voices of the registry, loaded, and spoken in one output format.

Each Piper model file is loaded once, whatever number of voices use it.
Every voice speaks PCM16LE mono at OUTPUT_RATE_HZ: other model rates are
resampled, and so is every pitch shift.

Pitch is not a Piper parameter; resampling is how it shifts here. To raise
the pitch by a factor k at the same tempo, Piper speaks k times slower
(length_scale x k), and the result is squeezed into 1/k of the samples:
every frequency rises by k and the duration comes back to the voice's own.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from chorus_voice.audio import float_to_pcm16, resample
from chorus_voice.errors import ErrorCode, VoiceError
from chorus_voice.registry import Registry, Voice
from chorus_voice.tts.base import Style, Synthesizer
from chorus_voice.tts.piper import PiperSynthesizer

log = logging.getLogger(__name__)

#: The one rate of all synthesized audio (Piper's medium models' own rate).
OUTPUT_RATE_HZ = 22050
#: Largest audio chunk sent (0.25 s), so that a listener can start early and
#: messages stay small.
CHUNK_SAMPLES = OUTPUT_RATE_HZ // 4


@dataclass(frozen=True, slots=True)
class VoiceState:
    voice: Voice
    synthesizer: Synthesizer | None
    style: Style
    unavailable_reason: str = ""

    @property
    def available(self) -> bool:
        return self.synthesizer is not None


def _speaker_id(voice: Voice, synthesizer: Synthesizer) -> int | None:
    if voice.speaker is None or isinstance(voice.speaker, int):
        return voice.speaker
    speakers = synthesizer.speakers()
    if voice.speaker not in speakers:
        raise VoiceError(
            ErrorCode.UNAVAILABLE,
            f"the model has no speaker {voice.speaker!r} (it has: {', '.join(speakers) or 'one'})",
            retryable=False,
        )
    return speakers[voice.speaker]


class VoiceBank:
    def __init__(self, states: dict[str, VoiceState], default_voice: str) -> None:
        self._states = states
        self.default_voice = default_voice

    @classmethod
    def load(
        cls,
        registry: Registry,
        models_dir: Path,
        *,
        default_voice: str | None = None,
        threads: int = 0,
        use_cuda: bool = False,
    ) -> VoiceBank:
        """Load every model the voices use; a voice whose model fails is
        listed as unavailable. The default voice must load."""
        loaded: dict[Path, Synthesizer | VoiceError] = {}
        states: dict[str, VoiceState] = {}
        for voice in registry.voices:
            model = voice.model_path(models_dir)
            if model not in loaded:
                try:
                    loaded[model] = PiperSynthesizer(
                        model, voice.config_path(models_dir), threads=threads, use_cuda=use_cuda
                    )
                except VoiceError as exc:
                    loaded[model] = exc
            synthesizer = loaded[model]
            if isinstance(synthesizer, VoiceError):
                states[voice.id] = VoiceState(voice, None, Style(), synthesizer.message)
                continue
            try:
                speaker = _speaker_id(voice, synthesizer)
            except VoiceError as exc:
                states[voice.id] = VoiceState(voice, None, Style(), exc.message)
                continue
            states[voice.id] = VoiceState(
                voice,
                synthesizer,
                Style(
                    speaker_id=speaker,
                    # Slower by the pitch factor: the resampling speeds it up again.
                    length_scale=voice.length_scale * voice.pitch_factor,
                    noise_scale=voice.noise_scale,
                    noise_w_scale=voice.noise_w_scale,
                ),
            )
        default = default_voice or registry.default_voice
        state = states.get(default)
        if state is None:
            raise VoiceError(ErrorCode.UNKNOWN_VOICE, f"the default voice {default!r} is unknown")
        if not state.available:
            raise VoiceError(
                ErrorCode.UNAVAILABLE,
                f"the default voice {default!r} cannot load: {state.unavailable_reason}",
                retryable=False,
            )
        for voice_id, one in states.items():
            if not one.available:
                log.warning("voice %s is unavailable: %s", voice_id, one.unavailable_reason)
        return cls(states, default)

    def voices(self) -> list[VoiceState]:
        return list(self._states.values())

    def state(self, voice_id: str) -> VoiceState:
        """The voice to speak with (the default for ""); UNKNOWN_VOICE when
        there is none of that id or it cannot load here."""
        state = self._states.get(voice_id or self.default_voice)
        if state is None:
            raise VoiceError(ErrorCode.UNKNOWN_VOICE, f"there is no voice {voice_id!r}")
        if state.synthesizer is None:
            raise VoiceError(
                ErrorCode.UNKNOWN_VOICE,
                f"voice {voice_id!r} is not available here: {state.unavailable_reason}",
            )
        return state


def speak(state: VoiceState, text: str) -> Generator[list[bytes]]:
    """Each sentence as PCM16LE mono at OUTPUT_RATE_HZ, in chunks of at most
    CHUNK_SAMPLES (blocking: iterate on the TTS thread)."""
    synthesizer = state.synthesizer
    assert synthesizer is not None
    factor = OUTPUT_RATE_HZ / (synthesizer.sample_rate * state.voice.pitch_factor)
    for sentence in synthesizer.synthesize(text, state.style):
        audio = resample(sentence, round(len(sentence) * factor))
        yield [
            float_to_pcm16(audio[start : start + CHUNK_SAMPLES])
            for start in range(0, len(audio), CHUNK_SAMPLES)
        ]
