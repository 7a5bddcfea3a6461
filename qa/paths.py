"""Where generated models and indexes live.

Generated content goes under ``embeddings/`` beside the package when the package runs
from a checkout (the usual case), so a clone is self-contained. An installed copy has no
writable checkout beside it, so it falls back to a per-user cache. ``QA_EMBEDDINGS_DIR``
overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT_ROOT = Path(__file__).resolve().parent.parent


def embeddings_dir() -> Path:
    override = os.environ.get("QA_EMBEDDINGS_DIR")
    if override:
        return Path(override).expanduser()
    if (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return _CHECKOUT_ROOT / "embeddings"
    return Path.home() / ".cache" / "qa" / "embeddings"


def models_dir() -> Path:
    return embeddings_dir() / "models"


def indexes_dir() -> Path:
    return embeddings_dir() / "index"


def feedback_dir() -> Path:
    """Readers' ratings, one file per collection; kept apart from indexes, which are rebuilt."""
    return embeddings_dir() / "feedback"
