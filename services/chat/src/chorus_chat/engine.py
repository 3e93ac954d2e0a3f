"""The chat engine: resolves models, runs providers, shapes every stream.

Whatever a provider does, a stream from `ChatEngine.complete` is deltas, then
`Usage` and `Finish`, or deltas and then one `Failure`; it never raises for
a failed completion.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass, replace
from typing import TypeVar

from chorus_chat.completion import (
    Chunk,
    CompletionRequest,
    Failure,
    Finish,
    ProviderDone,
    Usage,
)
from chorus_chat.config import ChatSettings
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.providers.base import Availability, Provider
from chorus_chat.providers.llama_cpp.provider import LlamaCppProvider
from chorus_chat.providers.openai.provider import OpenAIProvider
from chorus_chat.registry import LlamaCppModel, ModelSpec, Registry

log = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ModelEntry:
    spec: ModelSpec
    availability: Availability
    #: Accepts a request with a prefill.
    prefill: bool = False


def build_provider(spec: ModelSpec, settings: ChatSettings) -> Provider:
    if isinstance(spec, LlamaCppModel):
        return LlamaCppProvider(
            spec,
            models_dir=settings.resolved_models_dir,
            n_threads=settings.n_threads,
            max_queue_depth=settings.max_queue_depth,
        )
    return OpenAIProvider(spec, max_queue_depth=settings.max_queue_depth)


class ChatEngine:
    def __init__(
        self,
        registry: Registry,
        settings: ChatSettings,
        providers: Mapping[str, Provider] | None = None,
    ) -> None:
        """`providers` replaces the adapters built from the registry (tests, fakes)."""
        self._registry = registry
        self._settings = settings
        self.default_model = settings.default_model or registry.default_model
        if registry.get(self.default_model) is None:
            raise ChatError(
                ErrorCode.UNKNOWN_MODEL, f"default model {self.default_model!r} is not registered"
            )
        given = providers or {}
        self._providers: dict[str, Provider] = {
            spec.id: given.get(spec.id) or build_provider(spec, settings)
            for spec in registry.models
        }

    def models(self) -> list[ModelEntry]:
        return [
            ModelEntry(
                spec,
                self._providers[spec.id].availability(),
                self._providers[spec.id].prefill,
            )
            for spec in self._registry.models
        ]

    async def warm(self, model_ids: list[str]) -> None:
        for model_id in model_ids:
            if model_id not in self._providers:
                raise ChatError(
                    ErrorCode.UNKNOWN_MODEL, f"cannot preload unknown model {model_id!r}"
                )
            await self._providers[model_id].warm()

    async def complete(
        self, request: CompletionRequest, *, received_at: float | None = None
    ) -> AsyncGenerator[Chunk, None]:
        """Stream one completion. `received_at` (time.monotonic()) anchors the TTFT."""
        started = time.monotonic() if received_at is None else received_at
        model_id = request.model or self.default_model
        spec = self._registry.get(model_id)
        if spec is None:
            yield Failure(ErrorCode.UNKNOWN_MODEL, f"unknown model {model_id!r}", False)
            return
        provider = self._providers[spec.id]
        if request.prefill and not provider.prefill:
            yield Failure(
                ErrorCode.INVALID_REQUEST, f"{spec.id} cannot continue a prefilled reply", False
            )
            return
        timeout = request.timeout_s or self._settings.request_timeout_s
        resolved = replace(
            request,
            model=spec.id,
            sampling=request.sampling.over(spec.defaults.to_sampling()),
            timeout_s=timeout,
        )
        first_token_at: float | None = None
        try:
            async with aclosing(provider.stream(resolved)) as chunks:
                while True:
                    chunk = await _next_within(chunks, timeout, spec.id)
                    if isinstance(chunk, ProviderDone):
                        ttft = (first_token_at or time.monotonic()) - started
                        log.info(
                            "request %s on %s: %s, ttft %.0f ms, %d+%d tokens "
                            "(%d of the prompt cached), %.0f ms",
                            request.request_id or "-",
                            spec.id,
                            chunk.reason.value,
                            ttft * 1000,
                            chunk.prompt_tokens,
                            chunk.completion_tokens,
                            chunk.prompt_tokens_cached,
                            (time.monotonic() - started) * 1000,
                        )
                        yield Usage(
                            chunk.prompt_tokens,
                            chunk.completion_tokens,
                            round(ttft * 1000),
                            chunk.prompt_tokens_cached,
                        )
                        yield Finish(chunk.reason)
                        return
                    if first_token_at is None:
                        first_token_at = time.monotonic()
                    yield chunk
        except ChatError as exc:
            log.info("request %s on %s failed: %r", request.request_id or "-", spec.id, exc)
            yield Failure.of(exc)
        except Exception:
            log.exception("request %s on %s: provider bug", request.request_id or "-", spec.id)
            yield Failure(ErrorCode.PROVIDER_ERROR, f"{spec.id}: internal error", False)

    async def aclose(self) -> None:
        await asyncio.gather(*(provider.aclose() for provider in self._providers.values()))


async def _next_within(chunks: AsyncIterator[_T], idle_s: float, model_id: str) -> _T:
    try:
        async with asyncio.timeout(idle_s):
            return await anext(chunks)
    except TimeoutError:
        raise ChatError(ErrorCode.TIMEOUT, f"{model_id}: no output for {idle_s:g} s") from None
    except StopAsyncIteration:
        raise ChatError(
            ErrorCode.PROVIDER_ERROR, f"{model_id}: stream ended without finishing"
        ) from None
