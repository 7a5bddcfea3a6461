"""Where indexes live: a bare name under ``embeddings/index/``, or a folder given as a path.

The folder layout is known here only, so callers (the page's index list among them) ask for
names instead of reading the folder themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

from qa.errors import IndexNotFoundError
from qa.index.manifest import MANIFEST_FILE
from qa.paths import indexes_dir

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def resolve_index_path(name_or_path: str | Path) -> Path:
    """A bare name lives under ``embeddings/index/``; anything with a slash is a path."""
    text = str(name_or_path)
    if "/" in text or text.startswith("."):
        return Path(text).expanduser()
    if not _NAME_RE.match(text):
        raise IndexNotFoundError(f"invalid index name {text!r}: use letters, digits, '-' and '_'")
    return indexes_dir() / text


def index_exists(name_or_path: str | Path) -> bool:
    return (resolve_index_path(name_or_path) / MANIFEST_FILE).is_file()


def list_indexes() -> list[str]:
    """Names of the published indexes under ``embeddings/index/``, sorted.

    Hidden version folders and lock files never match a name; a name without a manifest (a
    build that never finished) is not an index yet.
    """
    folder = indexes_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if _NAME_RE.match(p.name) and (p / MANIFEST_FILE).is_file())
