"""What the chat service says about its models, asked at most every `ttl_s`."""

from __future__ import annotations

import time

from chorus.v1 import chat_pb2

from chorus_room.ports.completer import Completer, CompletionError


class ModelCatalog:
    def __init__(self, completer: Completer, *, ttl_s: float = 30.0) -> None:
        self._completer = completer
        self._ttl_s = ttl_s
        self._cached: tuple[float, chat_pb2.ListModelsResponse] | None = None

    async def listing(self) -> chat_pb2.ListModelsResponse | None:
        """The models, or None while the chat service cannot be asked."""
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self._ttl_s:
            return self._cached[1]
        try:
            models = await self._completer.list_models()
        except CompletionError:
            return None
        self._cached = (now, models)
        return models

    async def info(self, model_id: str) -> chat_pb2.ModelInfo | None:
        """One model (``""``: the default), or None if unknown or not askable."""
        listing = await self.listing()
        if listing is None:
            return None
        wanted = model_id or listing.default_model
        return next((m for m in listing.models if m.id == wanted), None)
