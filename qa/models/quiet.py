"""Model libraries kept off our stderr while they load, export or convert a model.

The ``qa`` command and the page promise one line per warning or error (``qa/logs.py``), but
transformers 5 draws a "Loading weights" progress bar for every model it loads and
onnxruntime's tools report each step through the root logger. Every place in ``qa.models``
that calls those libraries wraps the call in one of these.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Without transformers' progress bars (also the model hub's, which it switches with them).

    The switch is process-wide, so it is put back as found: a program that imports ``qa``
    keeps the bars it had for its own loads.
    """
    from transformers.utils import logging as transformers_logging

    was_enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            transformers_logging.enable_progress_bar()


@contextmanager
def quiet_root_logger() -> Iterator[None]:
    """onnxruntime's tools log through the root logger and loggers without a level of their own."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
