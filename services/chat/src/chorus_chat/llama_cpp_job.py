"""One llama.cpp generation, run on the model's worker thread.

Runs llama-cpp-python's streaming chat completion and hands each delta to the
event loop through a bounded `ThreadChannel`. It stops at once when asked:
the stop flag is checked per token, and while the prompt is being evaluated
(the long, uninterruptible part of a turn) a llama.cpp abort callback polls
the same flag between graph nodes. The callback is removed once the first
token arrives because calling into Python per node slows generation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import llama_cpp
from llama_cpp import Llama

from chorus_chat.completion import (
    CompletionRequest,
    FinishReason,
    ProviderChunk,
    ProviderDone,
    TextDelta,
    ToolCallDelta,
)
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.registry import LlamaCppModel

log = logging.getLogger(__name__)

JobItem = ProviderChunk | ChatError

_NO_ABORT = llama_cpp.ggml_abort_callback()
_FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
}


def chat_messages(request: CompletionRequest) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        item: dict[str, Any] = {"role": message.role.value, "content": message.content}
        if message.name:
            item["name"] = message.name
        if message.tool_call_id:
            item["tool_call_id"] = message.tool_call_id
        messages.append(item)
    return messages


def sampling_kwargs(request: CompletionRequest) -> dict[str, Any]:
    sampling = request.sampling
    kwargs: dict[str, Any] = {"stop": list(sampling.stop)}
    optional = {
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "max_tokens": sampling.max_tokens,
        "presence_penalty": sampling.presence_penalty,
        "frequency_penalty": sampling.frequency_penalty,
        "seed": sampling.seed,
    }
    kwargs.update({name: value for name, value in optional.items() if value is not None})
    return kwargs


def translate_llama_error(exc: Exception, model_id: str) -> ChatError:
    text = str(exc)
    if "exceed context window" in text:
        return ChatError(ErrorCode.CONTEXT_TOO_LONG, f"{model_id}: {text}")
    return ChatError(
        ErrorCode.PROVIDER_ERROR, f"{model_id}: llama.cpp failed ({type(exc).__name__}: {text})"
    )


class LlamaJob:
    def __init__(
        self,
        llama: Llama,
        spec: LlamaCppModel,
        request: CompletionRequest,
        put: Callable[[JobItem], bool],
    ) -> None:
        self._llama = llama
        self._spec = spec
        self._request = request
        # Returns False when the reader has gone (ThreadChannel.put).
        self._put = put
        self._stop = threading.Event()
        self._abort = llama_cpp.ggml_abort_callback(self._should_abort)

    def stop(self) -> None:
        """Any thread: ask the generation to end as soon as possible."""
        self._stop.set()

    def _should_abort(self, _data: Any) -> bool:
        return self._stop.is_set()

    def _set_abort(self, callback: Any) -> None:
        llama_cpp.llama_set_abort_callback(self._llama.ctx, callback, None)

    def _open_stream(self) -> Iterator[Any]:
        request = self._request
        kwargs = sampling_kwargs(request)
        # llama-cpp-python types these as TypedDicts; ours are plain dicts.
        messages: Any = chat_messages(request)
        if request.force_tool:
            if not messages or messages[0]["role"] != "system":
                # The function-calling template lists the tools in the system message.
                messages.insert(0, {"role": "system", "content": ""})
            handler = llama_cpp.llama_chat_format.get_chat_completion_handler(
                self._spec.tool_chat_format
            )
            tools: Any = [
                {
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.parameters,
                    },
                }
                for tool in request.tools
            ]
            stream = handler(
                llama=self._llama,
                messages=messages,
                tools=tools,
                tool_choice={"type": "function", "function": {"name": request.force_tool}},
                stream=True,
                **kwargs,
            )
        else:
            stream = self._llama.create_chat_completion(messages=messages, stream=True, **kwargs)
        assert isinstance(stream, Iterator)
        return stream

    def run(self) -> None:
        """Worker thread: generate until done, stopped, or the reader goes."""
        stream: Iterator[Any] | None = None
        self._set_abort(self._abort)
        try:
            stream = self._open_stream()
            self._relay(stream)
        except Exception as exc:
            if not self._stop.is_set():
                log.warning("llama.cpp generation failed: %r", exc)
                self._put(translate_llama_error(exc, self._spec.id))
        finally:
            self._set_abort(_NO_ABORT)
            if stream is not None and hasattr(stream, "close"):
                stream.close()

    def _relay(self, stream: Iterator[Any]) -> None:
        prompt_tokens: int | None = None
        reason = FinishReason.STOP
        seen_tools: set[int] = set()
        for chunk in stream:
            if prompt_tokens is None:
                # The prompt is evaluated: token-by-token checks take over.
                prompt_tokens = self._llama.n_tokens
                self._set_abort(_NO_ABORT)
            if self._stop.is_set():
                return
            choice = chunk["choices"][0]
            for item in self._deltas(choice["delta"], seen_tools):
                if not self._put(item):
                    return
            if choice.get("finish_reason"):
                reason = _FINISH_REASONS.get(choice["finish_reason"], FinishReason.STOP)
        if prompt_tokens is None:
            self._put(ProviderDone(reason))
            return
        # The last sampled token (end of text, or the max_tokens-th) is never evaluated.
        completion = self._llama.n_tokens - prompt_tokens + 1
        self._put(ProviderDone(reason, prompt_tokens, max(0, completion)))

    @staticmethod
    def _deltas(delta: dict[str, Any], seen_tools: set[int]) -> Iterator[ProviderChunk]:
        if delta.get("content"):
            yield TextDelta(delta["content"])
        for call in delta.get("tool_calls") or ():
            index = int(call.get("index", 0))
            function = call.get("function") or {}
            first = index not in seen_tools
            seen_tools.add(index)
            yield ToolCallDelta(
                index=index,
                id=(call.get("id") or "") if first else "",
                name=(function.get("name") or "") if first else "",
                arguments_delta=function.get("arguments") or "",
            )
