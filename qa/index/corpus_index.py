"""An opened index: articles, passage and sentence rows, their vectors, BM25, and the manifest.

Layout of one index folder (all plain arrays and JSON, no pickle)::

    manifest.json      format version, model, chunking, corpus fingerprint, counts, checksums
    articles.jsonl     one article per line, text as stored (offsets point into it)
    chunks.npy         int64 rows (article row, start, end, index within article)
    vectors.faiss      FAISS inner-product index of unit vectors, one per chunk row
    sentences.npy      int64 rows (article row, start, end), every sentence of every article
    sentence_vectors.npy  only in versions built before sentences stopped being embedded at
                       build time: float16 unit vectors, one per sentence row (read
                       memory-mapped); the manifest's file list says whether it is there
    bm25/              bm25s arrays for the marked and the folded field, and each field's
                       vocabulary as sorted token hashes and columns (read memory-mapped)

The rows and search structures stay behind the methods here, so retrieval and the readers
never depend on how they are laid out or which FAISS index holds the vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa.index import dense
from qa.index.hits import Hits
from qa.index.lexical import LexicalIndex
from qa.index.manifest import Manifest
from qa.ingest.chunking import Chunk
from qa.ingest.corpus import Article
from qa.models.embedder import ModelIdentity


def passage_text(article: Article, chunk_text: str) -> str:
    """What the model and BM25 read for a chunk: the headline gives every chunk its topic."""
    return f"{article.title}\n{chunk_text}" if article.title else chunk_text


@dataclass(frozen=True)
class CorpusIndex:
    path: Path
    manifest: Manifest
    articles: tuple[Article, ...]
    chunk_rows: np.ndarray  # (n, 4): article row, start, end, index within article
    vectors: faiss.Index
    lexical: LexicalIndex
    sentence_rows: np.ndarray  # (m, 3): article row, start, end
    sentence_vectors: np.ndarray | None  # (m, dimension) float16, stored by older versions only

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def model(self) -> ModelIdentity:
        return self.manifest.model

    def __len__(self) -> int:
        return len(self.chunk_rows)

    def chunk(self, row: int) -> Chunk:
        article_row, start, end, index = (int(v) for v in self.chunk_rows[row])
        article = self.articles[article_row]
        return Chunk(article.id, index, start, end, article.text[start:end])

    def article_of(self, row: int) -> Article:
        return self.articles[int(self.chunk_rows[row, 0])]

    def chunks_of_articles(self, admitted: Sequence[bool]) -> np.ndarray:
        """Chunk rows of the articles marked in ``admitted`` (one flag per article, in order)."""
        if not len(self):
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.asarray(admitted, dtype=bool)[self.chunk_rows[:, 0]])

    def dense_search(self, vectors: np.ndarray, *, k: int, allowed: np.ndarray | None = None) -> list[Hits]:
        """The ``k`` chunks nearest each query vector by cosine, among the ``allowed`` rows if given.

        Exact whatever FAISS index holds the vectors: a filtered search of an HNSW index is
        done by brute force over the allowed rows (see ``dense.search``).
        """
        return dense.search(self.vectors, vectors, k=k, allowed=allowed)

    def sentences_of_chunk(self, row: int) -> np.ndarray:
        """Sentence rows inside chunk ``row`` (sentence rows are grouped by article, in order)."""
        article_row, start, end, _ = (int(v) for v in self.chunk_rows[row])
        owners = self.sentence_rows[:, 0]
        first, last = int(np.searchsorted(owners, article_row)), int(np.searchsorted(owners, article_row, side="right"))
        starts = self.sentence_rows[first:last, 1]
        ends = self.sentence_rows[first:last, 2]
        return first + np.flatnonzero((starts < end) & (ends > start))

    def sentence_bounds(self, row: int) -> tuple[int, int]:
        """Start and end of sentence ``row`` in its article's text."""
        return int(self.sentence_rows[row, 1]), int(self.sentence_rows[row, 2])
