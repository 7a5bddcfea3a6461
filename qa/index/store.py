"""Atomic folders on disk: write everything aside, then publish with one rename.

An index name is a symbolic link to a hidden folder holding one complete version. A new
version is written beside it and the link is swapped with ``os.replace``, which is atomic,
so a reader sees the old version or the new one, never half of either, and a writer killed
at any point leaves the previous version in place.

``checkpoint`` marks the points where a killed writer matters; the crash tests stop the
``qa`` command at each of them (``QA_STOP_AT``) and kill it with SIGKILL.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

STOP_AT_ENV = "QA_STOP_AT"


def checkpoint(stage: str) -> None:
    """A no-op, unless ``QA_STOP_AT`` names ``stage``: then the process stops itself (SIGSTOP).

    It lets a test look at the disk at a known point of a write and then SIGKILL the writer.
    Stages: "embedding" (some vectors computed), "writing" (a new version half written),
    "publishing" (the version complete, the link not yet swapped), "published" (swapped, the
    old version not yet removed).
    """
    if os.environ.get(STOP_AT_ENV) == stage:
        os.kill(os.getpid(), signal.SIGSTOP)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, payload: object) -> None:
    write_text(path, json.dumps(payload, ensure_ascii=False, indent=2))


def write_text(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so no reader sees half a file."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


@contextlib.contextmanager
def writer_lock(target: Path) -> Iterator[None]:
    """One writer per published name at a time; readers never wait."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def new_version_dir(target: Path) -> Path:
    """A fresh hidden folder beside ``target`` for the next version."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


def publish(version: Path, target: Path) -> None:
    """Make ``target`` point at ``version`` atomically, then drop versions no longer pointed at."""
    for path in version.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    if target.exists() and not target.is_symlink():
        # A plain folder from elsewhere: move it aside first (not atomic, but recoverable).
        aside = target.parent / f".{target.name}.replaced-{uuid.uuid4().hex[:8]}"
        os.replace(target, aside)
    link = target.parent / f".{target.name}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(version.name, link)
    checkpoint("publishing")
    os.replace(link, target)
    checkpoint("published")
    remove_stale_versions(target)


def unpublish(target: Path) -> None:
    """Remove ``target`` and every version of it; the caller holds the writer lock. The name goes
    first, so a reader that opened a version keeps reading it and a new one finds no index."""
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    remove_stale_versions(target)


def remove_stale_versions(target: Path) -> None:
    """Delete hidden versions of ``target`` left by earlier publishes or killed writers."""
    current = target.resolve().name if target.exists() else None
    for candidate in target.parent.glob(f".{target.name}.*"):
        if candidate.name == current or candidate.name.endswith(".lock"):
            continue
        if candidate.is_symlink() or candidate.is_file():
            candidate.unlink(missing_ok=True)
        else:
            shutil.rmtree(candidate, ignore_errors=True)


def discard(version: Path) -> None:
    shutil.rmtree(version, ignore_errors=True)
