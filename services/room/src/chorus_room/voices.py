"""What the voice service says about its voices, asked at most every `ttl_s`;
and which voice a new persona gets: one no other persona in its room uses."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence

from chorus_room.ports.voice import Voice, VoiceFailure, VoiceOption


class VoiceCatalog:
    def __init__(self, voice: Voice | None, *, ttl_s: float = 30.0) -> None:
        self._voice = voice
        self._ttl_s = ttl_s
        self._cached: tuple[float, Sequence[VoiceOption]] | None = None

    @property
    def enabled(self) -> bool:
        return self._voice is not None

    async def listing(self) -> Sequence[VoiceOption] | None:
        """The voices, or None while the voice service cannot be asked."""
        if self._voice is None:
            return None
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self._ttl_s:
            return self._cached[1]
        try:
            voices = await self._voice.voices()
        except VoiceFailure:
            return None
        self._cached = (now, voices)
        return voices


def pick_voice(voices: Sequence[VoiceOption], taken: Sequence[str]) -> str:
    """The first available voice nobody in the room uses; when all are used,
    the least used (the first of those). Empty when there are none."""
    available = [v.id for v in voices if v.available]
    if not available:
        return ""
    used = Counter(taken)
    return min(available, key=lambda vid: used[vid])
