"""The Piper adapter (piper-tts, GPL-3.0-or-later: see this service's NOTICE)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chorus_voice.audio import Samples
from chorus_voice.errors import ErrorCode, VoiceError
from chorus_voice.tts.base import Style


class PiperSynthesizer:
    def __init__(self, model: Path, config: Path, *, threads: int = 0, use_cuda: bool = False):
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        for path in (model, config):
            if not path.is_file():
                raise VoiceError(
                    ErrorCode.UNAVAILABLE,
                    f"{path} is missing: run `python scripts/fetch_models.py voice`",
                    retryable=False,
                )
        try:
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            providers = ["CPUExecutionProvider"]
            if use_cuda and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
                providers.insert(0, "CUDAExecutionProvider")
            self._voice = PiperVoice(
                config=PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8"))),
                session=onnxruntime.InferenceSession(
                    str(model), sess_options=options, providers=providers
                ),
            )
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise VoiceError(
                ErrorCode.UNAVAILABLE, f"cannot load {model}: {exc}", retryable=False
            ) from exc
        self.providers = providers

    @property
    def sample_rate(self) -> int:
        return int(self._voice.config.sample_rate)

    def speakers(self) -> dict[str, int]:
        return dict(self._voice.config.speaker_id_map or {})

    def synthesize(self, text: str, style: Style) -> Iterator[Samples]:
        from piper import SynthesisConfig

        config = SynthesisConfig(
            speaker_id=style.speaker_id,
            length_scale=style.length_scale,
            noise_scale=style.noise_scale,
            noise_w_scale=style.noise_w_scale,
        )
        for chunk in self._voice.synthesize(text, config):
            yield np.asarray(chunk.audio_float_array, dtype=np.float32)
