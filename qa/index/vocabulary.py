"""Token to BM25 column through sorted 64-bit token hashes, stored as two memory-mapped arrays.

bm25s keeps its vocabulary as a Python dict: with syllable bigrams a field holds ~17 tokens per
passage, and that dict was most of an open index's memory (178 MB of 265 at 28,000 passages).
Hashes also let segments built apart be merged without their token strings (``hashes_by_column``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VOCABULARY_KEYS, VOCABULARY_COLUMNS = "vocabulary.keys.npy", "vocabulary.columns.npy"


def token_hashes(tokens: Iterable[str]) -> np.ndarray:
    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
                        for t in tokens), dtype=np.uint64)


@dataclass(frozen=True)
class Vocabulary:
    """Token to column through sorted 64-bit token hashes.

    Two tokens of one field share a hash with odds of about 1e-7 at four million tokens; then
    one of them scores as the other, a far smaller error than a missed bigram.
    """

    keys: np.ndarray  # uint64, ascending
    columns: np.ndarray  # int64, the column of each key

    @classmethod
    def from_dict(cls, vocabulary: dict[str, int]) -> Vocabulary:
        keys = token_hashes(vocabulary)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))[order])

    def columns_of(self, tokens: Sequence[str]) -> list[int | None]:
        if not tokens or not len(self.keys):
            return [None] * len(tokens)
        hashes = token_hashes(tokens)
        places = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        found = self.keys[places] == hashes
        columns = np.asarray(self.columns[places]).tolist()  # one read of the mapped array, not one a token
        return [column if hit else None for column, hit in zip(columns, found.tolist())]

    def hashes_by_column(self) -> np.ndarray:
        """The token hash of every column, in column order."""
        hashes = np.zeros(len(self.columns), dtype=np.uint64)
        hashes[self.columns] = self.keys
        return hashes

    def save(self, folder: Path) -> None:
        np.save(folder / VOCABULARY_KEYS, self.keys, allow_pickle=False)
        np.save(folder / VOCABULARY_COLUMNS, self.columns, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> Vocabulary:
        return cls(np.load(folder / VOCABULARY_KEYS, mmap_mode="r", allow_pickle=False),
                   np.load(folder / VOCABULARY_COLUMNS, mmap_mode="r", allow_pickle=False))
