"""The Whisper adapter: faster-whisper's model, feature extractor and
tokenizer, with the decoding window sized to the audio.

faster-whisper's ``transcribe`` pads every decode to Whisper's 30 s window:
on 2 CPU cores one encoder pass of Whisper base costs ~0.8-1.2 s however
short the audio is, which would make every partial and the final tail that
slow. CTranslate2 encodes shorter inputs fine, so this adapter pads the
audio with silence to max(MIN_WINDOW_S, audio + TAIL_PAD_S) instead:
~0.1-0.15 s for a 10 s window. Windows much shorter than that make Whisper
loop (it keeps repeating the utterance when it sees no silence after it);
with at least 10 s of window and 2 s of silence after the speech, 24 test
utterances decoded exactly as with the full window. Should a decode still
look like a loop (a high compression ratio, or the token budget used up),
it is decoded again with the full 30 s window.
"""

from __future__ import annotations

import logging
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from chorus_voice.audio import Samples
from chorus_voice.errors import ErrorCode, VoiceError
from chorus_voice.stt.base import SAMPLE_RATE, Decoded

log = logging.getLogger(__name__)

MIN_WINDOW_S = 10.0
TAIL_PAD_S = 2.0
FULL_WINDOW_S = 30.0
#: Whisper's token context is 448; a prompt may take at most half of it.
MAX_PROMPT_TOKENS = 223
MAX_LENGTH = 448
#: Tokens allowed per second of audio (fast speech is ~4 words/s, ~6 tokens/s).
TOKENS_PER_S = 10
#: Above this gzip ratio a decode is taken to be looping (Whisper's own threshold).
LOOP_COMPRESSION_RATIO = 2.4
_FILES = ("model.bin", "config.json", "tokenizer.json")


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(1, len(zlib.compress(data))) if data else 0.0


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when CTranslate2 sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    import ctranslate2

    try:
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except RuntimeError:  # a CUDA runtime that cannot start
        return "cpu"


def resolve_compute_type(compute_type: str, device: str) -> str:
    if compute_type != "auto":
        return compute_type
    return "float16" if device == "cuda" else "int8"


class WhisperRecognizer:
    """A loaded Whisper (CTranslate2) model. Not thread-safe: one decode at a time."""

    def __init__(
        self,
        model_id: str,
        folder: Path,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 1,
    ) -> None:
        missing = [name for name in _FILES if not (folder / name).is_file()]
        if missing:
            raise VoiceError(
                ErrorCode.UNAVAILABLE,
                f"speech model {model_id} is not installed ({folder} lacks "
                f"{', '.join(missing)}): run `python scripts/fetch_models.py voice`",
                retryable=False,
            )
        from faster_whisper import WhisperModel

        try:
            self._whisper = WhisperModel(
                str(folder),
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise VoiceError(
                ErrorCode.UNAVAILABLE,
                f"speech model {model_id} cannot be loaded: {exc}",
                retryable=False,
            ) from exc
        self._id = model_id
        self._beam_size = beam_size
        self.device = device
        self.compute_type = compute_type

    @property
    def model_id(self) -> str:
        return self._id

    @property
    def multilingual(self) -> bool:
        return bool(self._whisper.model.is_multilingual)

    @cache  # noqa: B019 (one per language for the model's lifetime, which is the process's)
    def _tokenizer(self, language: str | None) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(
            self._whisper.hf_tokenizer,
            self.multilingual,
            task="transcribe",
            language=language if self.multilingual else "en",
        )

    def _encode(self, audio: Samples, window_s: float) -> Any:
        import ctranslate2

        samples = int(window_s * SAMPLE_RATE)
        padded = np.zeros(max(samples, len(audio)), dtype=np.float32)
        padded[: len(audio)] = audio
        features = self._whisper.feature_extractor(padded, padding=0)
        frames = min(features.shape[1] // 2 * 2, 3000)
        batch = np.ascontiguousarray(features[None, :, :frames], dtype=np.float32)
        return self._whisper.model.encode(ctranslate2.StorageView.from_array(batch), to_cpu=False)

    def _detect_language(self, encoded: Any) -> str:
        if not self.multilingual:
            return "en"
        found = self._whisper.model.detect_language(encoded)[0]
        token = found[0][0] if found else "<|en|>"
        return str(token)[2:-2]

    def decode(self, audio: Samples, *, language: str | None, prompt: str) -> Decoded:
        audio = audio[: int(FULL_WINDOW_S * SAMPLE_RATE)]
        seconds = len(audio) / SAMPLE_RATE
        window_s = min(FULL_WINDOW_S, max(MIN_WINDOW_S, seconds + TAIL_PAD_S))
        encoded = self._encode(audio, window_s)
        language = language or self._detect_language(encoded)
        result = self._generate(encoded, language, prompt, seconds)
        if window_s < FULL_WINDOW_S and self._looks_looping(result, seconds):
            log.info("decode looked like a loop; decoding again with the full window")
            result = self._generate(self._encode(audio, FULL_WINDOW_S), language, prompt, seconds)
        return result

    def _looks_looping(self, result: Decoded, seconds: float) -> bool:
        return compression_ratio(result.text) > LOOP_COMPRESSION_RATIO or (
            len(result.text) > 40 and len(result.text.split()) > seconds * TOKENS_PER_S * 0.8
        )

    def _generate(self, encoded: Any, language: str, prompt: str, seconds: float) -> Decoded:
        tokenizer = self._tokenizer(language)
        head: list[int] = []
        if prompt.strip():
            words = tokenizer.encode(" " + prompt.strip())
            head = [tokenizer.sot_prev, *words[-MAX_PROMPT_TOKENS:]]
        sequence = [*head, *tokenizer.sot_sequence, tokenizer.no_timestamps]
        budget = min(MAX_LENGTH, len(sequence) + int(seconds * TOKENS_PER_S) + 16)
        from faster_whisper.transcribe import get_suppressed_tokens

        result = self._whisper.model.generate(
            encoded,
            [sequence],
            beam_size=self._beam_size,
            max_length=budget,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=list(get_suppressed_tokens(tokenizer, (-1,))),
        )[0]
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1) if tokens else 0.0
        text = tokenizer.decode(tokens).strip()
        return Decoded(
            text=text,
            no_speech_prob=float(result.no_speech_prob),
            avg_logprob=float(avg_logprob),
            language=language,
        )
