"""The sample corpus shipped inside the package: the default when no index is named."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SAMPLE_INDEX_NAME = "sample"


def sample_corpus_dir() -> Path:
    return Path(str(resources.files("qa") / "data" / "sample"))
