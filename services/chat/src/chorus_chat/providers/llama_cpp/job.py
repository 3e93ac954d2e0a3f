"""One llama.cpp generation, run on the model's worker thread.

Runs llama-cpp-python's streaming chat completion and hands each delta to the
event loop through a bounded `ThreadChannel`. It stops at once when asked:
the stop flag is checked per token, and while the prompt is being evaluated
(the long, uninterruptible part of a turn) a llama.cpp abort callback polls
the same flag between graph nodes. The callback is removed once the first
token arrives because calling into Python per node slows generation.

Each job ends with a `JobReport` (how it ended, how much of its prompt
llama.cpp really evaluated, how many tokens it generated), handed to the
provider before the job's last chunk so a reader that saw the end can find it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
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
    chat_messages,
    chat_tools,
    sampling_kwargs,
)
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.providers.llama_cpp.prefill import as_chat_chunks, prefill_prompt
from chorus_chat.providers.llama_cpp.prefix_cache import PrefixCache, Reuse
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


class CountingLlama(Llama):
    """A `Llama` that prepares its context from a `PrefixCache` and counts the
    tokens llama.cpp decodes for a prompt.

    llama-cpp-python matches a new prompt against the tokens already in the KV
    cache and evaluates only the rest, in one `eval` call, before sampling;
    each later `eval` decodes one sampled token. So the first `eval` after
    `start_count()` tells how much of the prompt was computed rather than reused.
    """

    #: Set once after loading; None: only the live context is reused.
    prefix_cache: PrefixCache | None = None
    # Tokens decoded by the first `eval` since `start_count()`; None before it
    # completes (not started, or aborted).
    first_eval_tokens: int | None = None
    # What the prefix cache did for the current prompt.
    last_reuse: Reuse | None = None

    def start_count(self) -> None:
        self.first_eval_tokens = None
        self.last_reuse = None

    def generate(self, tokens: Sequence[int], *args: Any, **kwargs: Any) -> Any:
        # Called by create_completion with the whole prompt, before any eval.
        if self.prefix_cache is not None:
            self.last_reuse = self.prefix_cache.prepare(self, tokens)
        return super().generate(tokens, *args, **kwargs)

    def eval(self, tokens: Sequence[int]) -> None:
        super().eval(tokens)
        if self.first_eval_tokens is None:
            self.first_eval_tokens = len(tokens)


class JobPhase(StrEnum):
    STARTING = "starting"  # handed to the worker thread, not running yet
    PROMPT = "prompt"  # preparing and evaluating the prompt (abortable mid-way)
    GENERATING = "generating"  # the first token is out
    ENDED = "ended"


class JobEnd(StrEnum):
    FINISHED = "finished"  # ran to a stop token or max_tokens; ProviderDone was sent
    STOPPED = "stopped"  # `stop()` was called or the reader went away
    FAILED = "failed"  # llama.cpp raised; the ChatError was sent


@dataclass(frozen=True, slots=True)
class JobReport:
    """What one generation did on the model."""

    request_id: str
    end: JobEnd
    # The prompt's length in tokens; 0 if its evaluation never completed.
    prompt_tokens: int
    # How many of those llama.cpp evaluated; the rest came from the KV cache
    # (the prefix shared with the previous prompt).
    prompt_tokens_evaluated: int
    # Tokens sampled before the end (for FINISHED, as in ProviderDone).
    completion_tokens: int
    # `stop()` interrupted llama.cpp's prompt evaluation (the abort callback fired).
    prompt_aborted: bool
    # A saved state of an earlier prompt was loaded for this one.
    state_restored: bool = False
    # Tokens of the live context kept by shifting them past a dropped stretch.
    tokens_shifted: int = 0

    @property
    def prompt_tokens_cached(self) -> int:
        return max(0, self.prompt_tokens - self.prompt_tokens_evaluated)


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
        llama: CountingLlama,
        spec: LlamaCppModel,
        request: CompletionRequest,
        put: Callable[[JobItem], bool],
        report: Callable[[JobReport], None],
    ) -> None:
        self._llama = llama
        self._spec = spec
        self._request = request
        # Returns False when the reader has gone (ThreadChannel.put).
        self._put = put
        # Called on the worker thread once the job has ended, before its last chunk.
        self._report = report
        self._stop = threading.Event()
        self._abort = llama_cpp.ggml_abort_callback(self._should_abort)
        self._phase = JobPhase.STARTING
        self._prompt_tokens = 0
        self._completion_tokens = 0
        self._prompt_aborted = False

    @property
    def phase(self) -> JobPhase:
        """Any thread: where the job is (written only by the worker thread)."""
        return self._phase

    def stop(self) -> None:
        """Any thread: ask the generation to end as soon as possible."""
        self._stop.set()

    def _should_abort(self, _data: Any) -> bool:
        # Called by llama.cpp between graph nodes while the prompt is evaluated.
        if self._stop.is_set():
            self._prompt_aborted = True
            return True
        return False

    def _set_abort(self, callback: Any) -> None:
        llama_cpp.llama_set_abort_callback(self._llama.ctx, callback, None)

    def _open_stream(self) -> Iterator[Any]:
        request = self._request
        stream: Any
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
            tools: Any = chat_tools(request)
            stream = handler(
                llama=self._llama,
                messages=messages,
                tools=tools,
                tool_choice={"type": "function", "function": {"name": request.force_tool}},
                stream=True,
                **kwargs,
            )
        elif request.prefill:
            prompt = prefill_prompt(self._llama, self._spec.id, messages, request.prefill)
            completion = self._llama.create_completion(prompt=prompt, stream=True, **kwargs)
            assert isinstance(completion, Iterator)
            stream = as_chat_chunks(completion)
        else:
            stream = self._llama.create_chat_completion(messages=messages, stream=True, **kwargs)
        assert isinstance(stream, Iterator)
        return stream

    def run(self) -> None:
        """Worker thread: generate until done, stopped, or the reader goes."""
        stream: Iterator[Any] | None = None
        last: ProviderDone | ChatError | None = None
        self._phase = JobPhase.PROMPT
        self._llama.start_count()
        self._set_abort(self._abort)
        try:
            stream = self._open_stream()
            last = self._relay(stream)
        except Exception as exc:
            if not self._stop.is_set():
                log.warning("llama.cpp generation failed: %r", exc)
                last = translate_llama_error(exc, self._spec.id)
        finally:
            self._set_abort(_NO_ABORT)
            if stream is not None and hasattr(stream, "close"):
                stream.close()
            self._phase = JobPhase.ENDED
            self._report(self._summary(last))
        if last is not None:
            self._put(last)

    def _summary(self, last: ProviderDone | ChatError | None) -> JobReport:
        if last is None:
            end = JobEnd.STOPPED
        elif isinstance(last, ChatError):
            end = JobEnd.FAILED
        else:
            end = JobEnd.FINISHED
        reuse = self._llama.last_reuse
        report = JobReport(
            request_id=self._request.request_id,
            end=end,
            prompt_tokens=self._prompt_tokens,
            prompt_tokens_evaluated=self._llama.first_eval_tokens or 0,
            completion_tokens=self._completion_tokens,
            prompt_aborted=self._prompt_aborted,
            state_restored=bool(reuse and reuse.restored),
            tokens_shifted=reuse.shifted if reuse else 0,
        )
        log.debug("llama.cpp job on %s: %s", self._spec.id, report)
        return report

    def _relay(self, stream: Iterator[Any]) -> ProviderDone | None:
        """The final chunk, or None when stopped or the reader went away."""
        reason = FinishReason.STOP
        seen_tools: set[int] = set()
        for chunk in stream:
            if self._phase is JobPhase.PROMPT:
                # The prompt is evaluated: token-by-token checks take over.
                self._prompt_tokens = self._llama.n_tokens
                self._set_abort(_NO_ABORT)
                self._phase = JobPhase.GENERATING
            self._count_completion()
            if self._stop.is_set():
                return None
            choice = chunk["choices"][0]
            for item in self._deltas(choice["delta"], seen_tools):
                if not self._put(item):
                    return None
            if choice.get("finish_reason"):
                reason = _FINISH_REASONS.get(choice["finish_reason"], FinishReason.STOP)
        if self._phase is JobPhase.PROMPT:
            return ProviderDone(reason)
        self._count_completion()
        evaluated = self._llama.first_eval_tokens or 0
        return ProviderDone(
            reason,
            self._prompt_tokens,
            self._completion_tokens,
            max(0, self._prompt_tokens - evaluated),
        )

    def _count_completion(self) -> None:
        # The last sampled token (end of text, or the max_tokens-th) is never evaluated.
        self._completion_tokens = max(0, self._llama.n_tokens - self._prompt_tokens + 1)

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
