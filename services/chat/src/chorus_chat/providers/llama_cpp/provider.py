"""Provider adapter: a local GGUF model run in-process by llama-cpp-python.

One model, one worker thread: loading and every generation run on it, one
at a time, admitted in FIFO order by a `ModelGate`. The model loads on first
use (or at `warm()`) and stays loaded. Consecutive requests that share a
prompt prefix (a persona's system prompt and the history so far) reuse the
evaluated KV cache: llama-cpp-python keeps the last prompt's state and only
evaluates the new suffix; a `PrefixCache` (`prompt_cache_mb` of RAM) keeps
the states of earlier prompts for conversations that take turns on one model
and shifts the context when a prompt drops a stretch of it.

`recent_jobs()` reports what the last generations did (how much of each prompt
llama.cpp evaluated, whether a stop cut them short), and `current_phase()`
where the running one is: numbers for logs, tests and benchmarks, not timings.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections import deque
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chorus_chat.completion import CompletionRequest, ProviderChunk, ProviderDone, TextDelta
from chorus_chat.errors import ChatError, ErrorCode
from chorus_chat.gate import ModelGate
from chorus_chat.providers.base import Availability
from chorus_chat.providers.llama_cpp.job import (
    CountingLlama,
    JobItem,
    JobPhase,
    JobReport,
    LlamaJob,
)
from chorus_chat.providers.llama_cpp.prefix_cache import PrefixCache
from chorus_chat.providers.llama_cpp.thread_channel import ThreadChannel
from chorus_chat.registry import LlamaCppModel

log = logging.getLogger(__name__)

# How many finished jobs `recent_jobs()` remembers.
REPORTS_KEPT = 32


class LlamaCppProvider:
    def __init__(
        self,
        spec: LlamaCppModel,
        *,
        models_dir: Path,
        n_threads: int | None = None,
        max_queue_depth: int = 16,
        channel_capacity: int = 64,
    ) -> None:
        self._spec = spec
        self._path = spec.path_in(models_dir)
        # llama-cpp-python's own default is half the cores: far slower on two.
        self._n_threads = n_threads or os.cpu_count() or 1
        self._channel_capacity = channel_capacity
        self._gate = ModelGate(spec.id, capacity=1, max_waiting=max_queue_depth)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"llama-{spec.id}")
        self._loading: asyncio.Future[CountingLlama] | None = None
        self._jobs: set[LlamaJob] = set()
        self._work: set[asyncio.Future[None]] = set()
        self._closed = False
        # Written by the worker thread, read from the loop.
        self._reports: deque[JobReport] = deque(maxlen=REPORTS_KEPT)
        self._reports_lock = threading.Lock()

    @property
    def prefill(self) -> bool:
        """A prefill is rendered with the GGUF's own chat template."""
        return self._spec.chat_format is None

    def availability(self) -> Availability:
        if self._path.is_file():
            return Availability(True)
        return Availability(
            False,
            f"model file {self._path.name} is not in the models folder "
            "(fetch it with scripts/fetch_models.py)",
        )

    def recent_jobs(self) -> tuple[JobReport, ...]:
        """Reports of the last `REPORTS_KEPT` generations, oldest first.

        A job's report is here before its stream yields `ProviderDone`, and
        before the next request in line starts on the model.
        """
        with self._reports_lock:
            return tuple(self._reports)

    def current_phase(self) -> JobPhase | None:
        """The phase of the generation holding the model; None when it is idle."""
        return next((job.phase for job in self._jobs), None)

    def _record(self, report: JobReport) -> None:
        """Worker thread: keep a finished job's report."""
        with self._reports_lock:
            self._reports.append(report)

    async def warm(self) -> None:
        """Load the model now rather than on the first request."""
        await self._model()

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[ProviderChunk, None]:
        if self._closed:
            raise ChatError(ErrorCode.PROVIDER_UNAVAILABLE, f"{self._spec.id} is shutting down")
        loop = asyncio.get_running_loop()
        await self._gate.acquire()
        handed_off = False
        try:
            llama = await self._model()
            channel: ThreadChannel[JobItem] = ThreadChannel(loop, self._channel_capacity)
            job = LlamaJob(llama, self._spec, request, channel.put, self._record)
            self._start(job)
            # The gate is released when the worker thread is done with the model.
            handed_off = True
            try:
                while True:
                    items = await channel.get_many()
                    for chunk in _merge_text(items):
                        if isinstance(chunk, ChatError):
                            raise chunk
                        yield chunk
                        if isinstance(chunk, ProviderDone):
                            return
            finally:
                job.stop()
                channel.close()
        finally:
            if not handed_off:
                self._gate.release()

    def _start(self, job: LlamaJob) -> None:
        work = asyncio.get_running_loop().run_in_executor(self._executor, job.run)
        self._jobs.add(job)
        self._work.add(work)

        def finished(_: asyncio.Future[None]) -> None:
            self._jobs.discard(job)
            self._work.discard(work)
            self._gate.release()

        work.add_done_callback(finished)

    async def _model(self) -> CountingLlama:
        if self._loading is None:
            if not self._path.is_file():
                raise ChatError(
                    ErrorCode.PROVIDER_UNAVAILABLE,
                    self.availability().reason,
                    retryable=False,
                )
            loop = asyncio.get_running_loop()
            self._loading = loop.run_in_executor(self._executor, self._load)
        loading = self._loading
        try:
            # Shielded: a request cancelled during the load leaves it running
            # for the next request in line.
            return await asyncio.shield(loading)
        except ChatError:
            if self._loading is loading:
                self._loading = None
            raise

    def _load(self) -> CountingLlama:
        """Worker thread: load the GGUF file."""
        spec = self._spec
        log.info("loading %s from %s", spec.id, self._path)
        try:
            llama = CountingLlama(
                model_path=str(self._path),
                n_ctx=spec.context_size,
                n_batch=spec.n_batch,
                n_threads=self._n_threads,
                n_threads_batch=self._n_threads,
                n_gpu_layers=spec.n_gpu_layers,
                chat_format=spec.chat_format,
                verbose=False,
            )
        except Exception as exc:
            raise ChatError(
                ErrorCode.PROVIDER_ERROR,
                f"{spec.id}: cannot load {self._path.name}: {exc}",
                retryable=False,
            ) from exc
        llama.prefix_cache = PrefixCache(spec.prompt_cache_mb << 20, shift=spec.context_shift)
        log.info("loaded %s", spec.id)
        return llama

    async def aclose(self) -> None:
        """Stop running generations, wait for the worker, free the model."""
        self._closed = True
        for job in list(self._jobs):
            job.stop()
        if self._work:
            await asyncio.gather(*self._work, return_exceptions=True)
        loading, self._loading = self._loading, None
        if loading is not None:
            try:
                llama = await asyncio.shield(loading)
            except ChatError:
                pass
            else:
                await asyncio.get_running_loop().run_in_executor(self._executor, llama.close)
        self._executor.shutdown(wait=False)


def _merge_text(items: list[JobItem]) -> list[JobItem]:
    """Join consecutive text deltas: one chunk per loop wake-up, not per token."""
    merged: list[JobItem] = []
    for item in items:
        previous = merged[-1] if merged else None
        if isinstance(item, TextDelta) and isinstance(previous, TextDelta):
            merged[-1] = TextDelta(previous.text + item.text)
        else:
            merged.append(item)
    return merged
