"""Opening a saved index: the manifest first, every file checked against it, then the arrays.

Opening verifies sizes and checksums, so a damaged file is a clear error, never wrong answers;
and it refuses vectors made by another model, which would compare as noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.errors import IndexCorruptError, IndexNotFoundError, ModelMismatchError
from qa.index.articles_file import read_articles
from qa.index.corpus_index import CorpusIndex
from qa.index.dense import read_vector_index
from qa.index.lexical import LexicalIndex
from qa.index.manifest import Manifest, read_manifest, rebuild_hint
from qa.index.names import resolve_index_path
from qa.index.store import sha256_file
from qa.models.embedder import ModelIdentity


def open_index(name_or_path: str | Path, *, model: ModelIdentity | None = None, verify: bool = True) -> CorpusIndex:
    """Load a saved index, refusing one that is damaged or was built by another model.

    Everything is read from the one version the name points at when opening starts. If a
    writer publishes a new version meanwhile and removes that one, the new one is opened.
    """
    target = resolve_index_path(name_or_path)
    folder = target.resolve()
    try:
        return _load_version(target, folder, model=model, verify=verify)
    except (OSError, IndexCorruptError):
        if target.resolve() == folder:
            raise
        return _load_version(target, target.resolve(), model=model, verify=verify)


def index_manifest(name_or_path: str | Path) -> Manifest:
    """The manifest of the published version, nothing else read or checked."""
    target = resolve_index_path(name_or_path)
    return _manifest(target, target.resolve())


def index_model(name_or_path: str | Path) -> ModelIdentity:
    """The model and backend an index was built with, from its manifest alone."""
    return index_manifest(name_or_path).model


def check_model(index_name: str, built_with: ModelIdentity, model: ModelIdentity) -> None:
    """Vectors from another model, or the same model on another backend, do not compare."""
    if (built_with.name, built_with.fingerprint) == (model.name, model.fingerprint):
        return
    if (built_with.name, built_with.backend) == (model.name, model.backend):
        raise ModelMismatchError(
            f"index {index_name} was built with an earlier version of model {model.name!r} on {built_with.backend} "
            f"({built_with.fingerprint}, now {model.fingerprint}); rebuild it"
        )
    raise ModelMismatchError(
        f"index {index_name} was built with model {built_with.name!r} on backend {built_with.backend} "
        f"({built_with.fingerprint}), not {model.name!r} on {model.backend} ({model.fingerprint}); "
        f"open it with --model {built_with.name} --backend {built_with.backend} or rebuild it"
    )


def _manifest(target: Path, folder: Path) -> Manifest:
    if not target.exists():
        raise IndexNotFoundError(f"no index at {target}; build one with: qa index build PATH... --name {target.name}")
    return read_manifest(folder, target=target)


def _verify_files(target: Path, folder: Path, manifest: Manifest) -> None:
    for stored in manifest.files:
        path = folder / stored.path
        problem = None
        if not path.is_file():
            problem = "is missing"
        elif path.stat().st_size != stored.bytes:
            problem = f"has {path.stat().st_size} bytes, expected {stored.bytes} (truncated?)"
        elif sha256_file(path) != stored.sha256:
            problem = "does not match its checksum (corrupted)"
        if problem:
            raise IndexCorruptError(f"index {target}: {stored.path} {problem}; {rebuild_hint(target, manifest.sources)}")


def _load_version(target: Path, folder: Path, *, model: ModelIdentity | None, verify: bool) -> CorpusIndex:
    manifest = _manifest(target, folder)
    if verify:
        _verify_files(target, folder, manifest)
    if model is not None:
        check_model(target.name, manifest.model, model)
    rows = np.load(folder / "chunks.npy", allow_pickle=False)
    # Memory-mapped where FAISS and bm25s allow it: the pages live in the OS page cache, shared by
    # every process that opens this version. (Opening still reads each file once to verify its
    # SHA-256, unless verify=False.)
    return CorpusIndex(
        path=target,
        manifest=manifest,
        articles=read_articles(folder),
        chunk_rows=rows,
        vectors=read_vector_index(folder / "vectors.faiss", manifest.vector_index),
        lexical=LexicalIndex.load(folder / "bm25", size=len(rows), mmap=True),
        sentence_rows=np.load(folder / "sentences.npy", allow_pickle=False),
        sentence_vectors=np.load(folder / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r"),
    )
