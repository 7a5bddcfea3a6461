"""Cited extractive answers over Vietnamese news articles.

    from qa import ask, Assistant
    answer = ask("Ai chủ trì hội nghị tổng kết công tác năm 2022?")

The names are loaded on first use, so ``import qa`` (and the ``qa`` command's start-up)
does not pull in faiss, bm25s or the model stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer.types import Answer, Citation
    from qa.assistant import Assistant, ask

_EXPORTS = {"Answer": "qa.answer.types", "Citation": "qa.answer.types", "Assistant": "qa.assistant", "ask": "qa.assistant"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
