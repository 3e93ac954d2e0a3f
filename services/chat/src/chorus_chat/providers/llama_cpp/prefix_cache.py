"""Keeps evaluated prompt state so that a prompt evaluates only what is new.

llama-cpp-python reuses the part of the live context (the last prompt and its
reply) that a new prompt starts with. That is enough for one conversation on a
model; this module adds what it lacks, run on the model's worker thread just
before a generation starts:

- **Saved states.** Before a prompt would discard most of the live context
  (another room's turn on the same model), the live KV state is saved; a later
  prompt that continues a saved state more than the live one gets it back. The
  states are llama.cpp's per-sequence KV data (no logits), kept in RAM up to a
  byte budget, least recently used first out.
- **Shifting.** When a prompt drops a stretch from the middle of the live
  context and keeps the rest (a transcript window that moved on), the dropped
  cells are removed and the rest shifted down, instead of evaluating the kept
  part again. The shifted cells keep what they attended to before, as
  llama.cpp's own context shift does: a close approximation, not an exact one.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import llama_cpp
import numpy as np

log = logging.getLogger(__name__)

#: Saving is worth it only for a live context at least this long.
MIN_SAVED_TOKENS = 256
#: A saved state is loaded only if it reuses this many more tokens than the live one.
MIN_GAIN_TOKENS = 32
#: Tokens of the new prompt that must match the live context to shift it.
SHIFT_MATCH_TOKENS = 32
#: A shift is worth it only if it keeps at least this many tokens.
MIN_SHIFT_KEEP = 64


@dataclass(frozen=True, slots=True)
class Reuse:
    """What `PrefixCache.prepare` did for one prompt."""

    #: Tokens of the prompt already in the context after preparing.
    reused: int
    #: A saved state was loaded.
    restored: bool = False
    #: Tokens shifted down after a dropped stretch.
    shifted: int = 0


@dataclass(slots=True)
class _Saved:
    tokens: np.ndarray[Any, np.dtype[np.intc]]
    data: bytes


def common_prefix(a: Sequence[int] | np.ndarray[Any, Any], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    if n == 0:
        return 0
    left = np.asarray(a[:n], dtype=np.intc)
    right = np.asarray(b[:n], dtype=np.intc)
    diff = np.flatnonzero(left != right)
    return int(diff[0]) if diff.size else n


class PrefixCache:
    """Saved KV states of one model's context (sequence 0), and the live one's reuse."""

    def __init__(self, capacity_bytes: int, *, shift: bool = True) -> None:
        self._capacity = capacity_bytes
        self._shift_enabled = shift
        self._saved: OrderedDict[int, _Saved] = OrderedDict()
        self._next_key = 0
        self._bytes = 0
        self._lock = threading.Lock()  # stats are read from the event loop

    @property
    def saved_bytes(self) -> int:
        with self._lock:
            return self._bytes

    @property
    def saved_states(self) -> int:
        with self._lock:
            return len(self._saved)

    def prepare(self, llama: Any, tokens: Sequence[int]) -> Reuse:
        """Worker thread: make the context hold as much of ``tokens`` as it can.

        ``llama`` is a `llama_cpp.Llama`; afterwards its own prefix matching
        evaluates only the rest.
        """
        live = llama.input_ids[: llama.n_tokens]
        live_common = common_prefix(live, tokens)
        best_key, best_common = self._best(tokens)
        if best_key is not None and best_common >= live_common + MIN_GAIN_TOKENS:
            # Loading replaces the live state: of it, no more than what the
            # new prompt shares with it lives on.
            self._save_if_losing(llama, live, live_common)
            self._load(llama, best_key)
            return Reuse(best_common, restored=True)
        shifted = self._shift(llama, tokens, live_common)
        if shifted:
            return Reuse(live_common + shifted, shifted=shifted)
        self._save_if_losing(llama, live, live_common)
        return Reuse(live_common)

    # ------------------------------------------------------------ states

    def _best(self, tokens: Sequence[int]) -> tuple[int | None, int]:
        best_key: int | None = None
        best_common = 0
        for key, saved in self._saved.items():
            common = common_prefix(saved.tokens, tokens)
            if common > best_common:
                best_key, best_common = key, common
        return best_key, best_common

    def _save_if_losing(self, llama: Any, live: np.ndarray[Any, Any], kept: int) -> None:
        """Save the live state if the next prompt keeps less than half of it."""
        if self._capacity <= 0 or len(live) < MIN_SAVED_TOKENS or kept * 2 >= len(live):
            return
        ctx = llama.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        if size > self._capacity:
            return
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        if written <= 0:
            return
        tokens = np.array(live, dtype=np.intc)
        with self._lock:
            # A state this one extends is of no more use.
            for key in [k for k, s in self._saved.items() if _extends(tokens, s.tokens)]:
                self._drop(key)
            self._saved[self._next_key] = _Saved(tokens, bytes(buffer)[:written])
            self._next_key += 1
            self._bytes += written
            while self._bytes > self._capacity and self._saved:
                self._drop(next(iter(self._saved)))
        log.debug("saved a %d-token state (%d bytes)", len(tokens), written)

    def _load(self, llama: Any, key: int) -> None:
        with self._lock:
            saved = self._saved[key]
            self._saved.move_to_end(key)
        ctx = llama.ctx
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(ctx), 0, -1, -1)
        buffer = (ctypes.c_uint8 * len(saved.data)).from_buffer_copy(saved.data)
        if llama_cpp.llama_state_seq_set_data(ctx, buffer, len(saved.data), 0) == 0:
            llama.n_tokens = 0  # nothing usable: evaluate from scratch
            return
        n = len(saved.tokens)
        llama.input_ids[:n] = saved.tokens
        llama.n_tokens = n
        llama._requires_eval = True

    def _drop(self, key: int) -> None:
        saved = self._saved.pop(key)
        self._bytes -= len(saved.data)

    # ---------------------------------------------------------- shifting

    def _shift(self, llama: Any, tokens: Sequence[int], common: int) -> int:
        """If ``tokens`` continue the live context after a dropped stretch,
        drop it in the KV cache too; returns how many tokens were kept."""
        n_live = llama.n_tokens
        if not self._shift_enabled:
            return 0
        probe = list(tokens[common : common + SHIFT_MATCH_TOKENS])
        if len(probe) < SHIFT_MATCH_TOKENS or n_live - common < MIN_SHIFT_KEEP:
            return 0
        live = llama.input_ids[:n_live]
        start = _find(live, probe, common + 1)
        if start < 0:
            return 0
        kept = common_prefix(live[start:], tokens[common:])
        if kept < MIN_SHIFT_KEEP:
            return 0
        memory = llama_cpp.llama_get_memory(llama.ctx)
        if not llama_cpp.llama_memory_can_shift(memory):
            return 0
        dropped = start - common
        end = start + kept
        llama_cpp.llama_memory_seq_rm(memory, 0, common, start)
        llama_cpp.llama_memory_seq_rm(memory, 0, end, -1)
        llama_cpp.llama_memory_seq_add(memory, 0, start, end, -dropped)
        llama.input_ids[common : common + kept] = live[start:end].copy()
        llama.n_tokens = common + kept
        llama._requires_eval = True
        log.debug("shifted %d tokens down by %d", kept, dropped)
        return kept


def _extends(longer: np.ndarray[Any, Any], shorter: np.ndarray[Any, Any]) -> bool:
    return len(longer) >= len(shorter) and common_prefix(longer, shorter.tolist()) == len(shorter)


def _find(haystack: np.ndarray[Any, Any], needle: list[int], start: int) -> int:
    """Index of the first occurrence of ``needle`` at or after ``start``; -1 if none."""
    n = len(needle)
    if n == 0 or len(haystack) - start < n:
        return -1
    first = needle[0]
    candidates = np.flatnonzero(haystack[start : len(haystack) - n + 1] == first) + start
    target = np.asarray(needle, dtype=haystack.dtype)
    for index in candidates:
        if np.array_equal(haystack[index : index + n], target):
            return int(index)
    return -1
