"""The passage vectors in FAISS: which structure to build, how to read it back, how to search it.

Exact (flat) search while it is fast enough, HNSW beyond ``APPROXIMATE_FROM`` passages.
bench/ann.py measured both on the default model's real vectors: where the switch sits, flat
search time per question and HNSW's recall@10 against flat at this ``efSearch``.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from qa.index.hits import Hits
from qa.index.manifest import VectorIndexKind

APPROXIMATE_FROM = 100_000  # bench/ann.py: flat search reaches ~15 ms a question here
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 256  # recall@10 >= 0.986 against flat up to 400k
_RECONSTRUCT_ROWS = 65536  # vectors copied out of HNSW at a time for an exact filtered search


def vector_index_kind(count: int) -> VectorIndexKind:
    return "IndexFlatIP" if count < APPROXIMATE_FROM else "IndexHNSWFlat"


def build_vector_index(vectors: np.ndarray) -> faiss.Index:
    """An inner-product index over unit vectors (so scores are cosines), of the kind their number calls for."""
    if vector_index_kind(len(vectors)) == "IndexFlatIP":
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def extended_vector_index(index: faiss.IndexHNSW, vectors: np.ndarray) -> faiss.IndexHNSW:
    """A copy of an HNSW ``index`` with ``vectors`` linked into its graph after its own rows.

    What a build does too, one vector after another, but without re-linking the stored ones
    (about a minute at 205,000 vectors); the graph is not the one a build in one go makes, so the
    neighbours found may differ as HNSW's do (bench/incremental_add.py compares them). A flat
    index gains nothing from this: building one is a copy of the vectors, as cloning it is.
    """
    grown = faiss.clone_index(index)
    grown.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return grown


def read_vector_index(path: Path, kind: VectorIndexKind) -> faiss.Index:
    """A flat index is memory-mapped: its pages live in the OS page cache, shared by every process
    that opens this version, instead of a private copy per process. FAISS cannot map HNSW."""
    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC if kind == "IndexFlatIP" else 0)


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """Every vector as added, row by row (an update copies unchanged articles' vectors over)."""
    return index.reconstruct_n(0, index.ntotal)


def search(index: faiss.Index, vectors: np.ndarray, *, k: int, allowed: np.ndarray | None = None) -> list[Hits]:
    """The ``k`` nearest passages of each query vector, among the ``allowed`` rows if given."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    limit = min(k, index.ntotal if allowed is None else len(allowed))
    if limit <= 0:
        return [Hits.none() for _ in vectors]
    if allowed is not None and isinstance(index, faiss.IndexHNSW):
        return _exact_among(index, allowed, vectors, limit)
    params = None if allowed is None else faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
    scores, rows = index.search(vectors, limit, params=params)
    return [Hits(found[found >= 0].astype(np.int64), score[found >= 0]) for found, score in zip(rows, scores)]


def _exact_among(index: faiss.IndexHNSW, allowed: np.ndarray, vectors: np.ndarray, limit: int) -> list[Hits]:
    """Exact search over the filtered rows: HNSW with a selector walks the graph and drops what
    the filter rejects, so a narrow filter would get few and not the nearest rows back."""
    allowed = allowed.astype(np.int64)
    storage = faiss.downcast_index(index.storage)
    scores = np.concatenate([storage.reconstruct_batch(part) @ vectors.T
                             for part in np.array_split(allowed, max(1, len(allowed) // _RECONSTRUCT_ROWS))])
    return [Hits.top(scores[:, column], limit, rows=allowed) for column in range(scores.shape[1])]
