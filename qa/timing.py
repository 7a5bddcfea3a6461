"""Where a build spends its time: seconds per named stage, recorded only when asked for.

``stage`` is cheap and safe to leave in library code: it records into the clock that the
innermost ``collect`` opened in the same context (thread or task), and does nothing when none
is open. ``build_index`` collects its stages into the manifest, which is how the benchmarks
split indexing time into chunking, tokenising, model, FAISS, BM25 and writing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CLOCK: ContextVar[dict[str, float] | None] = ContextVar("qa_stage_clock", default=None)


@contextmanager
def stage(name: str) -> Iterator[None]:
    clock = _CLOCK.get()
    started = time.perf_counter()
    try:
        yield
    finally:
        if clock is not None:
            clock[name] = clock.get(name, 0.0) + time.perf_counter() - started


@contextmanager
def collect() -> Iterator[dict[str, float]]:
    """A fresh clock for the stages run inside the block; read it after the block."""
    clock: dict[str, float] = {}
    token = _CLOCK.set(clock)
    try:
        yield clock
    finally:
        _CLOCK.reset(token)


def snapshot() -> dict[str, float]:
    """The current clock's stages so far, rounded to milliseconds ({} when none is open)."""
    return {name: round(seconds, 3) for name, seconds in (_CLOCK.get() or {}).items()}


def record(name: str, seconds: float) -> None:
    """Add ``seconds`` measured elsewhere (another process, say) to stage ``name`` of the current clock."""
    clock = _CLOCK.get()
    if clock is not None:
        clock[name] = clock.get(name, 0.0) + seconds
