"""How close each sentence the rules reader weighs is to the question, in meaning.

Indexes no longer store a vector per sentence: embedding every sentence of every article cost
37 % of the model's work at indexing time, for this reader alone (``bench/sentence_vectors.py``). The rules
read the sentences of a few retrieved passages per question, so those are embedded when first
read and kept in a bounded cache; popular passages come back often. Indexes built before keep
their stored vectors, which are used as they are.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from qa.index.corpus_index import CorpusIndex
from qa.models.embedder import Embedder
from qa.timing import stage

CACHED_SENTENCES = 20_000  # 384 float32 each: about 30 MB at most


class SentenceVectors:
    """Unit vectors of an index's sentences (rows of ``index.sentence_rows``), embedded like the
    stored ones were: the sentence alone, as a passage."""

    def __init__(self, index: CorpusIndex, embedder: Embedder, *, capacity: int = CACHED_SENTENCES) -> None:
        self.index = index
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the page answers several users with one reader

    def similarities(self, rows: Sequence[int], query_vector: np.ndarray) -> np.ndarray:
        """Cosine of each sentence in ``rows`` with the question."""
        return self.vectors(rows) @ np.asarray(query_vector, dtype=np.float32)

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        rows = [int(r) for r in rows]
        if self.index.sentence_vectors is not None:
            return np.asarray(self.index.sentence_vectors[rows], dtype=np.float32).reshape(len(rows), -1)
        with self._lock:
            found = {r: self._cache[r] for r in rows if r in self._cache}
            for row in found:
                self._cache.move_to_end(row)
        missing = list(dict.fromkeys(r for r in rows if r not in found))
        if missing:
            found.update(zip(missing, self._embed(missing)))
            self._remember(missing, found)
        return np.stack([found[r] for r in rows]) if rows else np.zeros((0, self.embedder.identity.dimension), np.float32)

    def _embed(self, rows: list[int]) -> np.ndarray:
        texts = [self._text(row) for row in rows]
        with stage("sentence_embedding"):
            return np.asarray(self.embedder.embed(texts, kind="passage"), dtype=np.float32)

    def _text(self, row: int) -> str:
        article_row, start, end = (int(v) for v in self.index.sentence_rows[row])
        return self.index.articles[article_row].text[start:end]

    def _remember(self, rows: list[int], found: dict[int, np.ndarray]) -> None:
        with self._lock:
            for row in rows:
                self._cache[row] = found[row]
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
