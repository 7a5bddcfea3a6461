"""BM25 in segments, so that adding passages indexes only them and removing them re-indexes nothing.

A segment stores, per field, how often each token occurs in each of its passages and how long
each passage is: term frequencies, not bm25s' precomputed scores, because a passage's score
depends on the document frequency and average length of the whole index, which every update
changes. Scores are computed at question time from statistics over all segments' live passages,
so they equal those of one index built over the same passages (same Lucene BM25 as bm25s, k1
1.5, b 0.75; equal to float64 rounding, and bit for bit whatever the segmentation).

A segment's files never change once written, so a new version hard-links them; only its
``rows`` (where each of its passages sits in the index, -1 once removed or replaced) is written
per version. Segments are merged, from their arrays and without re-tokenising, when too many
rows are dead or there are too many segments (``compacted``).
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse

from qa.index.vocabulary import Vocabulary

K1, B = 1.5, 0.75  # bm25s' defaults: format-3 indexes scored with them, so answers do not move
FIELDS = ("marked", "folded")
MAX_SEGMENTS = 8  # beyond this, every segment but the largest is merged into one
MAX_DEAD_SHARE = 0.25  # beyond this share of removed or replaced rows, all segments are merged
_COUNT_BLOCK = 4096  # passages counted at a time: bounds the memory of one np.unique
_ARRAYS = ("indptr", "docs", "counts", "lengths")
ROWS_FILE = "rows.npy"


@dataclass(frozen=True)
class Postings:
    """One field of one segment as a sparse (passage x token) matrix of counts, by token column."""

    indptr: np.ndarray  # int64: the postings of column c are [indptr[c], indptr[c + 1])
    docs: np.ndarray  # int32: the segment's own number of each posting's passage, ascending per column
    counts: np.ndarray  # float32: occurrences of the column's token in that passage
    lengths: np.ndarray  # float32: tokens of each passage of the segment
    vocabulary: Vocabulary

    @classmethod
    def count(cls, docs: Iterable[list[str]]) -> Postings:
        """Number the tokens as the passages stream past, so only shared ids are held, not strings.

        An empty passage counts as one empty token, as bm25s indexes it.
        """
        numbering = {"": 0}
        ids = ([numbering.setdefault(t, len(numbering)) for t in tokens] or [0] for tokens in docs)
        blocks = list(_counted_blocks(ids))
        empty = [np.zeros(0, dtype=np.int64)] * 4
        docs_of, tokens_of, counts, lengths = [np.concatenate(part) for part in zip(*blocks)] if blocks else empty
        matrix = _by_column(counts, docs_of, tokens_of, shape=(len(lengths), len(numbering)))
        return cls(matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32), matrix.data.astype(np.float32),
                   lengths.astype(np.float32), Vocabulary.from_dict(numbering))

    def live(self, rows: np.ndarray | None, columns: Sequence[int | None]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each column's postings whose passage is still in the index: their index rows and counts.

        ``rows`` None: the segment's passages are the index's first rows, in order, none dead
        (a build's one segment), so the postings are read as they are, without a copy.
        """
        found = []
        for column in columns:
            if column is None:
                found.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)))
                continue
            start, end = int(self.indptr[column]), int(self.indptr[column + 1])
            docs, counts = self.docs[start:end], self.counts[start:end]
            if rows is not None:
                at = rows[docs]
                keep = at >= 0
                docs, counts = at[keep], counts[keep]
            found.append((docs, counts))
        return found

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        self.vocabulary.save(folder)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool) -> Postings:
        """The postings memory-mapped if asked (as plain arrays over the mapping: slicing a
        ``np.memmap`` costs more than the slice); the lengths read whole, as every open uses them."""
        arrays = {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r" if mmap and name != "lengths" else None,
                                           allow_pickle=False)) for name in _ARRAYS}
        return cls(**arrays, vocabulary=Vocabulary.load(folder))


def _counted_blocks(ids: Iterator[list[int]]) -> Iterator[tuple[np.ndarray, ...]]:
    """(passage, token, count) of each distinct pair, and passage lengths, a block of passages at a time."""
    first = 0
    while block := list(itertools.islice(ids, _COUNT_BLOCK)):
        lengths = np.fromiter(map(len, block), dtype=np.int64, count=len(block))
        tokens = np.fromiter(itertools.chain.from_iterable(block), dtype=np.int64, count=int(lengths.sum()))
        width = int(tokens.max()) + 1
        passages = np.repeat(np.arange(first, first + len(block), dtype=np.int64), lengths)
        pairs, counts = np.unique(passages * width + tokens, return_counts=True)
        yield pairs // width, pairs % width, counts, lengths
        first += len(block)


def _by_column(counts: np.ndarray, docs: np.ndarray, columns: np.ndarray, *, shape: tuple[int, int]) -> scipy.sparse.csc_matrix:
    matrix = scipy.sparse.csc_matrix((counts.astype(np.float32), (docs, columns)), shape=shape)
    matrix.sort_indices()
    return matrix


@dataclass(frozen=True)
class Segment:
    """Passages indexed together once; ``rows`` says where each sits in the index now."""

    name: str
    rows: np.ndarray  # int64: index row of each of the segment's passages, -1 once removed or replaced
    marked: Postings
    folded: Postings

    @classmethod
    def index(cls, name: str, rows: np.ndarray, fields: dict[str, Iterable[list[str]]]) -> Segment:
        return cls(name, np.asarray(rows, dtype=np.int64), *(Postings.count(fields[f]) for f in FIELDS))

    def field(self, name: str) -> Postings:
        return self.marked if name == "marked" else self.folded

    @property
    def live(self) -> int:
        return int(np.count_nonzero(self.rows >= 0))

    def moved(self, carried: np.ndarray) -> Segment:
        """The same passages after an update: ``carried`` gives each old row's new row, or -1."""
        rows = np.where(self.rows >= 0, carried[np.maximum(self.rows, 0)], -1)
        return Segment(self.name, rows, self.marked, self.folded)

    def save(self, folder: Path, *, linked_from: Path | None) -> None:
        """Hard-link the postings from ``linked_from`` when an earlier version already holds them."""
        folder.mkdir(parents=True)
        np.save(folder / ROWS_FILE, self.rows, allow_pickle=False)
        for name in FIELDS:
            if linked_from is None:
                self.field(name).save(folder / name)
                continue
            (folder / name).mkdir()
            for source in sorted((linked_from / name).iterdir()):
                _link_or_copy(source, folder / name / source.name)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool) -> Segment:
        return cls(folder.name, np.load(folder / ROWS_FILE, allow_pickle=False),
                   *(Postings.load(folder / f, mmap=mmap) for f in FIELDS))


def _link_or_copy(source: Path, target: Path) -> None:
    """A copy where the file system has no hard links; the copy is then hashed like any new file."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def merged(name: str, segments: Sequence[Segment]) -> Segment:
    """One segment holding the live passages of ``segments``, from their arrays (no tokenising).

    Columns are matched by token hash, so the merged vocabulary is the union of theirs.
    """
    rows = np.sort(np.concatenate([s.rows[s.rows >= 0] for s in segments] or [np.zeros(0, np.int64)]))
    return Segment(name, rows, *(_merged_postings(rows, [(s.rows, s.field(f)) for s in segments]) for f in FIELDS))


def _merged_postings(rows: np.ndarray, parts: Sequence[tuple[np.ndarray, Postings]]) -> Postings:
    hashes, docs, counts = [], [], []
    lengths = np.zeros(len(rows), dtype=np.float32)
    for part_rows, postings in parts:
        column_of = np.repeat(np.arange(len(postings.indptr) - 1), np.diff(postings.indptr))
        at = part_rows[postings.docs]
        keep = at >= 0
        hashes.append(postings.vocabulary.hashes_by_column()[column_of[keep]])
        docs.append(np.searchsorted(rows, at[keep]))
        counts.append(np.asarray(postings.counts)[keep])
        live = part_rows >= 0
        lengths[np.searchsorted(rows, part_rows[live])] = postings.lengths[live]
    keys, columns = np.unique(np.concatenate(hashes), return_inverse=True)
    matrix = _by_column(np.concatenate(counts), np.concatenate(docs), columns, shape=(len(rows), len(keys)))
    return Postings(matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32), matrix.data.astype(np.float32),
                    lengths, Vocabulary(keys, np.arange(len(keys), dtype=np.int64)))


def compacted(segments: Sequence[Segment], *, next_name: str) -> tuple[Segment, ...]:
    """The merge policy, applied after every update.

    Segments without a live row are dropped (free). Past ``MAX_DEAD_SHARE`` dead rows, all
    segments merge into one, since dead postings slow every search and an update that replaced
    a quarter of the index has already cost about as much. Past ``MAX_SEGMENTS``, every segment
    but the largest merges into one: the large base is left alone, so this merge costs in
    proportion to what was added since the base was built.
    """
    alive = [s for s in segments if s.live]
    stored = sum(len(s.rows) for s in alive)
    if stored and stored - sum(s.live for s in alive) > MAX_DEAD_SHARE * stored:
        return (merged(next_name, alive),)
    if len(alive) > MAX_SEGMENTS:
        largest = max(alive, key=lambda s: s.live)
        return largest, merged(next_name, [s for s in alive if s is not largest])
    return tuple(alive)


@dataclass(frozen=True)
class SegmentedField:
    """One field searched across every segment with the statistics of all of them together."""

    parts: tuple[tuple[np.ndarray | None, Postings], ...]  # each segment's rows (None: the first rows, none dead)
    norms: np.ndarray  # float64 per index row: k1 * (1 - b + b * length / average length)
    size: int

    @classmethod
    def of(cls, segments: Sequence[Segment], name: str, *, size: int) -> SegmentedField:
        lengths = np.zeros(size, dtype=np.float64)
        for segment in segments:
            live = segment.rows >= 0
            lengths[segment.rows[live]] = segment.field(name).lengths[live]
        average = float(lengths.mean()) if size else 1.0
        parts = tuple((None if np.array_equal(s.rows, np.arange(len(s.rows))) else s.rows, s.field(name)) for s in segments)
        return cls(parts, K1 * (1 - B + B * lengths / average), size)

    def _postings(self, tokens: Sequence[str]) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """Per segment, each token's live postings: index rows and counts."""
        return [postings.live(rows, postings.vocabulary.columns_of(tokens)) for rows, postings in self.parts]

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Each row's BM25 score; a token asked twice counts twice, as in bm25s."""
        found = self._postings(tokens)
        idf = [lucene_idf(sum(len(part[i][0]) for part in found), self.size) for i in range(len(tokens))]
        rows, weights = [], []
        for part in found:
            for token_idf, (at, counts) in zip(idf, part):
                if len(at):
                    rows.append(at)
                    weights.append(token_idf * counts / (counts + self.norms[at]))
        if not rows:
            return np.zeros(self.size, dtype=np.float32)
        # bincount adds in input order, and a row's postings come in question order whatever the
        # segmentation (each row lives in one segment): scores are equal bit for bit
        return np.bincount(np.concatenate(rows), weights=np.concatenate(weights), minlength=self.size).astype(np.float32)

    def frequency(self, token: str) -> int:
        return sum(len(part[0][0]) for part in self._postings([token]))


def lucene_idf(frequency: int, size: int) -> float:
    return math.log(1 + (size - frequency + 0.5) / (frequency + 0.5))
