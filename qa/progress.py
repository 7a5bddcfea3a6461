"""Progress bars for long loops: visible on a terminal, quiet in logs and short runs."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
_MIN_ITEMS = 200


def progress(items: Iterable[T], *, desc: str, unit: str = "it", total: int | None = None, enabled: bool = True) -> Iterator[T]:
    """Wrap ``items`` in a tqdm bar when it is long enough to be worth watching.

    Off a terminal (CI, logs) the bar redraws every 10 s instead of ten times a second, so a
    log keeps a few lines of progress rather than thousands.
    """
    count = total if total is not None else (len(items) if hasattr(items, "__len__") else None)
    show = enabled and (count is None or count >= _MIN_ITEMS)
    interactive = sys.stderr.isatty()
    yield from tqdm(items, desc=desc, unit=unit, total=count, disable=not show, mininterval=0.2 if interactive else 10.0)
