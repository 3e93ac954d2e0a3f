"""Provider adapter: any OpenAI-compatible chat completions API.

OpenAI, OpenRouter, vLLM, Ollama and llama.cpp's server all speak it. The API
key comes from the environment variable the registry names; it is never
logged and is scrubbed from error messages.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import openai
from openai import AsyncOpenAI

from chorus_chat.completion import (
    CompletionRequest,
    FinishReason,
    ProviderChunk,
    ProviderDone,
    TextDelta,
    ToolCallDelta,
    chat_messages,
    chat_tools,
    sampling_kwargs,
)
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.gate import ModelGate
from chorus_chat.providers.base import Availability
from chorus_chat.providers.openai.errors import translate_openai_error
from chorus_chat.registry import OpenAIModel

_FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
}
# The SDK wants some key even for servers that need none.
_NO_KEY = "no-key"


def request_kwargs(spec: OpenAIModel, request: CompletionRequest) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": spec.model,
        "messages": chat_messages(request),
        "stream": True,
    }
    if spec.include_usage:
        kwargs["stream_options"] = {"include_usage": True}
    kwargs.update(sampling_kwargs(request))
    if request.tools:
        kwargs["tools"] = chat_tools(request)
        kwargs["tool_choice"] = (
            {"type": "function", "function": {"name": request.force_tool}}
            if request.force_tool
            else "auto"
        )
    if request.timeout_s is not None:
        kwargs["timeout"] = request.timeout_s
    return kwargs


class OpenAIProvider:
    def __init__(
        self,
        spec: OpenAIModel,
        *,
        max_queue_depth: int = 16,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self._spec = spec
        self._key = env.get(spec.api_key_env) if spec.api_key_env else None
        self._gate = ModelGate(spec.id, capacity=spec.max_concurrency, max_waiting=max_queue_depth)
        self._client = AsyncOpenAI(
            base_url=spec.base_url, api_key=self._key or _NO_KEY, max_retries=0
        )

    #: The OpenAI API has no reliable way to continue an assistant message.
    prefill = False

    def availability(self) -> Availability:
        if self._spec.api_key_env and not self._key:
            return Availability(
                False, f"environment variable {self._spec.api_key_env} (the API key) is not set"
            )
        return Availability(True)

    async def warm(self) -> None:
        """Nothing to load for a remote model."""

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[ProviderChunk, None]:
        availability = self.availability()
        if not availability.available:
            raise ChatError(
                ErrorCode.PROVIDER_UNAVAILABLE,
                f"{self._spec.id}: {availability.reason}",
                retryable=False,
            )
        await self._gate.acquire()
        try:
            async for chunk in self._relay(request):
                yield chunk
        except openai.OpenAIError as exc:
            raise translate_openai_error(exc, self._spec.id, secret=self._key) from exc
        finally:
            self._gate.release()

    async def _relay(self, request: CompletionRequest) -> AsyncGenerator[ProviderChunk, None]:
        kwargs = request_kwargs(self._spec, request)
        stream = await self._client.chat.completions.create(**kwargs)
        reason: FinishReason | None = None
        prompt_tokens = completion_tokens = cached_tokens = 0
        seen_tools: set[int] = set()
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    prompt_tokens = chunk.usage.prompt_tokens
                    completion_tokens = chunk.usage.completion_tokens
                    details = chunk.usage.prompt_tokens_details
                    cached_tokens = (details.cached_tokens or 0) if details else 0
                for choice in chunk.choices[:1]:
                    delta = choice.delta
                    if delta.content:
                        yield TextDelta(delta.content)
                    for call in delta.tool_calls or ():
                        first = call.index not in seen_tools
                        seen_tools.add(call.index)
                        function = call.function
                        yield ToolCallDelta(
                            index=call.index,
                            id=(call.id or "") if first else "",
                            name=((function.name if function else None) or "") if first else "",
                            arguments_delta=(function.arguments if function else None) or "",
                        )
                    if choice.finish_reason:
                        reason = _FINISH_REASONS.get(choice.finish_reason, FinishReason.STOP)
        if reason is None:
            # Every complete OpenAI stream names a finish reason; some servers
            # (llama.cpp's, on a prompt over its context) just end the stream.
            raise ChatError(
                ErrorCode.PROVIDER_ERROR, f"{self._spec.id}: the provider ended the stream early"
            )
        yield ProviderDone(reason, prompt_tokens, completion_tokens, cached_tokens)

    async def aclose(self) -> None:
        await self._client.close()
