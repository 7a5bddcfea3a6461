"""Progress bars for long loops: visible on a terminal, quiet in logs and short runs.

A listener (``reporting_to``) also hears every step of every loop, bar shown or not: the web
page's first-run screen shows how far the sample's indexing has come.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
_MIN_ITEMS = 200

Listener = Callable[[str, int, "int | None"], None]  # (what, done, total)
_LISTENERS: list[Listener] = []
_LISTENERS_LOCK = threading.Lock()


@contextmanager
def reporting_to(listener: Listener) -> Iterator[None]:
    """Tell ``listener`` how every loop advances while inside; loops of every thread are heard."""
    with _LISTENERS_LOCK:
        _LISTENERS.append(listener)
    try:
        yield
    finally:
        with _LISTENERS_LOCK:
            _LISTENERS.remove(listener)


def _told(items: Iterable[T], desc: str, total: int | None) -> Iterator[T]:
    for done, item in enumerate(items, start=1):
        yield item
        for listener in tuple(_LISTENERS):
            listener(desc, done, total)


def progress(items: Iterable[T], *, desc: str, unit: str = "it", total: int | None = None, enabled: bool = True) -> Iterator[T]:
    """Wrap ``items`` in a tqdm bar when it is long enough to be worth watching.

    Off a terminal (CI, logs) the bar redraws every 10 s instead of ten times a second, so a
    log keeps a few lines of progress rather than thousands.
    """
    count = total if total is not None else (len(items) if hasattr(items, "__len__") else None)
    show = enabled and (count is None or count >= _MIN_ITEMS)
    interactive = sys.stderr.isatty()
    bar = tqdm(items, desc=desc, unit=unit, total=count, disable=not show, mininterval=0.2 if interactive else 10.0)
    yield from (_told(bar, desc, count) if _LISTENERS else bar)
