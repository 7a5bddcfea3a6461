"""Opening a saved index: the manifest first, the files checked against it, then the arrays.

What opening checks, and why not every checksum: every file's size is compared with the
manifest, one ``stat`` a file, which finds a missing, truncated or half-copied file at any index
size. The SHA-256 is computed only for what opening reads whole into memory: ``articles.jsonl``,
``chunks.npy``, ``sentences.npy``, the BM25 segment list, each segment's rows and passage
lengths (or, in a format-3 index, the bm25s ``params.index.json`` files), and ``vectors.faiss``
when it is HNSW (FAISS cannot map a graph). A damaged one of those would be parsed into wrong
texts, offsets or neighbours for as long as the process runs, and hashing it costs little beside
reading it at all. The rest is memory-mapped (flat FAISS vectors, BM25 postings and
vocabularies, sentence vectors), so that searches read only the pages they touch, or never read
(bm25s' own ``vocab.index.json``, which the lexical index does without). Hashing every file
read every byte from disk on every open: 1.67 GB, most of an 11.9 s cold open on the full VNTC
index (``bench/scale.py``). So a same-size change inside a mapped file is not seen on open;
``verify_index`` (``qa index verify``) hashes every file, and so does every update before it
builds on an index. A mapped file that fails to load is hashed then and there, so the error
names it rather than repeating what numpy or FAISS said.

Opening also refuses vectors made by another model, which would compare as noise.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from qa.errors import IndexCorruptError, IndexNotFoundError, ModelMismatchError
from qa.index.articles_file import read_articles
from qa.index.corpus_index import CorpusIndex
from qa.index.dense import read_vector_index
from qa.index.lexical import LexicalIndex
from qa.index.manifest import Manifest, read_manifest, rebuild_hint
from qa.index.names import resolve_index_path
from qa.index.vocabulary import VOCABULARY_COLUMNS, VOCABULARY_KEYS
from qa.models.embedder import ModelIdentity

Checksums = Literal["read", "all"]

# Files opening memory-maps or never reads: it checks their size only. Every other file is
# hashed, so a file the format gains later is checked in full until it is listed here.
_MAPPED_OR_UNREAD = (
    "sentence_vectors.npy",  # np.load(mmap_mode="r")
    "bm25/*/indptr.npy", "bm25/*/docs.npy", "bm25/*/counts.npy",  # a segment's postings (Postings.load)
    "bm25/*/data.csc.index.npy", "bm25/*/indices.csc.index.npy", "bm25/*/indptr.csc.index.npy",  # bm25s, mmap=True
    f"bm25/*/{VOCABULARY_KEYS}", f"bm25/*/{VOCABULARY_COLUMNS}",  # Vocabulary.load maps them
    "bm25/*/vocab.index.json",  # bm25s writes its token dict; LexicalIndex loads without it
)
_VECTORS = "vectors.faiss"  # mapped when flat, read whole when HNSW (dense.read_vector_index)
_SENTENCE_VECTORS = "sentence_vectors.npy"  # older versions only (CorpusIndex.sentence_vectors)


@dataclass(frozen=True)
class Verification:
    """Every file of one version checked in full, size and SHA-256."""

    target: Path
    manifest: Manifest
    problems: tuple[str, ...]  # "<file> <what is wrong>", one per damaged file

    @property
    def rebuild_hint(self) -> str:
        return rebuild_hint(self.target, self.manifest.sources)


def open_index(name_or_path: str | Path, *, model: ModelIdentity | None = None, verify: bool = True,
               checksums: Checksums = "read") -> CorpusIndex:
    """Load a saved index, refusing one that is damaged or was built by another model.

    ``checksums="read"`` hashes the files opening reads whole and checks the size of the rest
    (see above); ``"all"`` hashes every file, for a caller about to copy from the index into a
    new version. ``verify=False`` checks nothing, for benchmarks reopening an index they checked.

    Everything is read from the one version the name points at when opening starts. If a
    writer publishes a new version meanwhile and removes that one, the new one is opened.
    """
    target = resolve_index_path(name_or_path)
    folder = target.resolve()
    try:
        return _load_version(target, folder, model=model, verify=verify, checksums=checksums)
    except (OSError, IndexCorruptError):
        if target.resolve() == folder:
            raise
        return _load_version(target, target.resolve(), model=model, verify=verify, checksums=checksums)


def verify_index(name_or_path: str | Path) -> Verification:
    """Every file of the published version against its size and checksum, every problem listed.

    Nothing is loaded, so this also finds what opening leaves to the page cache: a same-size
    change inside a memory-mapped file.
    """
    target = resolve_index_path(name_or_path)
    folder = target.resolve()
    found = _verification(target, folder)
    if found.problems and target.resolve() != folder:  # a writer replaced that version meanwhile
        found = _verification(target, target.resolve())
    return found


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


def hashed_on_open(manifest: Manifest) -> frozenset[str]:
    """The files opening reads whole into memory, and so hashes; the rest it checks by size."""
    def read_whole(path: str) -> bool:
        if path == _VECTORS:
            return manifest.vector_index != "IndexFlatIP"
        return not any(fnmatch.fnmatchcase(path, pattern) for pattern in _MAPPED_OR_UNREAD)

    return frozenset(f.path for f in manifest.files if read_whole(f.path))


def _verification(target: Path, folder: Path) -> Verification:
    manifest = _manifest(target, folder)
    problems = ((stored.path, stored.problem(folder, checksum=True)) for stored in manifest.files)
    return Verification(target, manifest, tuple(f"{path} {problem}" for path, problem in problems if problem))


def _check_files(target: Path, folder: Path, manifest: Manifest, *, checksums: Checksums) -> None:
    """The first damaged file is the error, with the command that rebuilds the index."""
    hashed = hashed_on_open(manifest)
    for stored in manifest.files:
        problem = stored.problem(folder, checksum=checksums == "all" or stored.path in hashed)
        if problem:
            raise IndexCorruptError(f"index {target}: {stored.path} {problem}; {rebuild_hint(target, manifest.sources)}")


def _load_version(target: Path, folder: Path, *, model: ModelIdentity | None, verify: bool,
                  checksums: Checksums) -> CorpusIndex:
    manifest = _manifest(target, folder)
    if verify:
        _check_files(target, folder, manifest, checksums=checksums)
    if model is not None:
        check_model(target.name, manifest.model, model)
    try:
        return _read_arrays(target, folder, manifest)
    except Exception:
        # A file that numpy, FAISS or bm25s cannot parse: when it is a damaged one (a mapped file
        # whose checksum opening skipped, say), name it; otherwise the error is not the disk's.
        _check_files(target, folder, manifest, checksums="all")
        raise


def _read_arrays(target: Path, folder: Path, manifest: Manifest) -> CorpusIndex:
    rows = np.load(folder / "chunks.npy", allow_pickle=False)
    # Memory-mapped where FAISS and bm25s allow it: the pages live in the OS page cache, shared by
    # every process that opens this version, and are read from disk only when a search needs them.
    return CorpusIndex(
        path=target,
        manifest=manifest,
        articles=read_articles(folder),
        chunk_rows=rows,
        vectors=read_vector_index(folder / _VECTORS, manifest.vector_index),
        lexical=LexicalIndex.load(folder / "bm25", size=len(rows), mmap=True),
        sentence_rows=np.load(folder / "sentences.npy", allow_pickle=False),
        sentence_vectors=_stored_sentence_vectors(folder, manifest),
    )


def _stored_sentence_vectors(folder: Path, manifest: Manifest) -> np.ndarray | None:
    """Versions built before sentences stopped being embedded at build time have them."""
    if not any(f.path == _SENTENCE_VECTORS for f in manifest.files):
        return None
    return np.load(folder / _SENTENCE_VECTORS, allow_pickle=False, mmap_mode="r")
