"""Ranked candidates from one retriever (dense or BM25), as plain arrays, best first.

Both retrievers hand the fusion step the same shape, so fusing never needs to know which
search structure produced a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Hits:
    """Passage rows and their scores, best first; a row's rank is its position plus one."""

    rows: np.ndarray  # int64
    scores: np.ndarray  # float32

    @classmethod
    def none(cls) -> Hits:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))

    @classmethod
    def top(cls, scores: np.ndarray, k: int, *, rows: np.ndarray | None = None) -> Hits:
        """The ``k`` highest of ``scores``; ``rows`` names the passage of each score (default: its position).

        A partial sort, as a full one over every passage would cost more than the search.
        Equal scores are ordered by row, so the same index gives the same ranking every time.
        """
        limit = min(k, len(scores))
        if limit <= 0:
            return cls.none()
        rows = np.arange(len(scores), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        top = np.argpartition(-scores, limit - 1)[:limit]
        order = top[np.lexsort((rows[top], -scores[top]))]
        return cls(rows[order], np.asarray(scores[order], dtype=np.float32))

    def ranked(self) -> dict[int, tuple[int, float]]:
        """Row -> (rank from 1, score): what fusion looks rows up in."""
        return {int(row): (rank, float(score)) for rank, (row, score) in enumerate(zip(self.rows, self.scores), start=1)}
