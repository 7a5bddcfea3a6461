"""BM25 over Vietnamese tokens, in two fields: marked syllables and accent-folded syllables.

Words span several syllables ("chủ trì", "Cục trưởng"), so each field holds syllables plus
syllable bigrams. A question typed with diacritics is matched on the marked field (where
"hội" and "hỏi" stay apart); one typed without them on the folded field.

The index is kept in segments (``bm25_segments``) so that an update indexes only the passages
it adds; an index of format 3 holds one bm25s index with precomputed scores instead, which is
still searched as it is and rebuilt as a segment by the first update. Token lookup goes through
sorted token hashes, not bm25s' vocabulary dict (``vocabulary``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from qa.index.bm25_segments import B, FIELDS, K1, Segment, SegmentedField, compacted, lucene_idf
from qa.index.hits import Hits
from qa.index.store import write_json
from qa.index.vocabulary import Vocabulary
from qa.ingest.text import folded_tokens, has_diacritics, match_tokens

# bm25s sets its own logger to DEBUG, which floods any handler an application configures.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# Question words and particles: they say what is asked, not what the answer mentions.
_QUESTION_WORDS = {
    "ai", "gì", "nào", "đâu", "bao", "nhiêu", "mấy", "sao", "không", "chưa", "hả", "vậy", "thế",
    "là", "những", "các", "có", "được", "của", "và", "thì", "ở", "tại", "khi", "lúc", "hãy", "cho", "biết",
    "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "many", "much", "did", "does", "do",
    "is", "are", "was", "were", "the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "with", "and", "or",
}
_FOLDED_QUESTION_WORDS = {w for w in _QUESTION_WORDS if w.isascii()} | {"gi", "nao", "dau", "nhieu", "may", "khong", "chua", "la", "nhung", "cac", "co", "duoc", "cua", "va", "thi", "o", "tai"}


def _with_bigrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]


def marked_document_tokens(text: str) -> list[str]:
    return _with_bigrams(match_tokens(text))


def folded_document_tokens(text: str) -> list[str]:
    return _with_bigrams(folded_tokens(text))


def query_tokens(question: str) -> tuple[str, list[str]]:
    """The field to search and the question's tokens for it, question words removed.

    Bigrams are formed before the question words are removed, so "ở đâu" does not glue its
    neighbours into a bigram the documents never contain.
    """
    if has_diacritics(question):
        tokens, field, stop = match_tokens(question), "marked", _QUESTION_WORDS
    else:
        tokens, field, stop = folded_tokens(question), "folded", _FOLDED_QUESTION_WORDS
    content = [t for t in tokens if t not in stop]
    bigrams = [f"{a}_{b}" for a, b in zip(tokens, tokens[1:]) if a not in stop and b not in stop]
    return field, content + bigrams


SEGMENTS_FILE = "segments.json"


@dataclass(frozen=True)
class PrecomputedField:
    """One field of a format-3 index: bm25s' matrix of precomputed scores, searched as it is."""

    model: bm25s.BM25
    vocabulary: Vocabulary

    @classmethod
    def load(cls, folder: Path, *, mmap: bool) -> PrecomputedField:
        return cls(bm25s.BM25.load(str(folder), mmap=mmap, load_vocab=False), Vocabulary.load(folder))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        known = [c for c in self.vocabulary.columns_of(tokens) if c is not None]
        if not known:
            return np.zeros(self.model.scores["num_docs"], dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(known), dtype=np.float32)

    def frequency(self, token: str) -> int:
        column = self.vocabulary.columns_of([token])[0]
        indptr = self.model.scores["indptr"]
        return 0 if column is None else int(indptr[column + 1] - indptr[column])


@dataclass(frozen=True)
class LexicalIndex:
    marked: SegmentedField | PrecomputedField
    folded: SegmentedField | PrecomputedField
    size: int
    segments: tuple[Segment, ...] | None  # None for a format-3 index: read only, an update rebuilds it

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        return cls.of_segments((_segment(1, np.arange(len(texts)), texts),), size=len(texts))

    @classmethod
    def of_segments(cls, segments: Sequence[Segment], *, size: int) -> LexicalIndex:
        fields = (SegmentedField.of(segments, name, size=size) for name in FIELDS)
        return cls(*fields, size, tuple(segments))

    @property
    def extendable(self) -> bool:
        return self.segments is not None

    def extended(self, *, carried: np.ndarray, rows: np.ndarray, texts: Sequence[str], size: int) -> LexicalIndex:
        """This index after an update, tokenising only ``texts``, the passages at the new ``rows``.

        ``carried`` gives each current row's new row, -1 where its passage was removed or
        replaced; the merge policy (``bm25_segments.compacted``) runs last.
        """
        number = 1 + max((int(s.name[1:]) for s in self.segments), default=0)
        segments = [s.moved(carried) for s in self.segments]
        if len(rows):
            segments.append(_segment(number, rows, texts))
        return self.of_segments(compacted(segments, next_name=_segment_name(number + 1)), size=size)

    def _field(self, name: str) -> SegmentedField | PrecomputedField:
        return self.marked if name == "marked" else self.folded

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for ``question`` (zeros when nothing matches)."""
        name, tokens = query_tokens(question)
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return self._field(name).scores(tokens)

    def search(self, question: str, *, k: int, allowed: np.ndarray | None = None) -> Hits:
        """The ``k`` best-scoring passages that share a term with ``question``, among ``allowed`` if given."""
        scores = self.scores(question)
        matching = np.flatnonzero(scores > 0) if allowed is None else allowed[scores[allowed] > 0]
        return Hits.top(scores[matching], k, rows=matching)

    def idf(self, token: str, *, field: str) -> float:
        """Inverse document frequency of ``token`` in one field.

        A token the corpus never uses gets the highest value: a question term no article
        contains is the strongest sign that the articles cannot answer it.
        """
        return lucene_idf(self._field(field).frequency(token), self.size)

    def knows(self, token: str, *, field: str) -> bool:
        return self._field(field).frequency(token) > 0

    def save(self, folder: Path, *, previous: Path | None = None) -> None:
        """Write the segments, hard-linking the postings of those the ``previous`` BM25 folder holds."""
        if self.segments is None:
            raise ValueError("a format-3 BM25 index is read only; build a segmented one")
        folder.mkdir(parents=True, exist_ok=True)
        for segment in self.segments:
            earlier = previous / segment.name if previous is not None else None
            segment.save(folder / segment.name, linked_from=earlier if earlier and earlier.is_dir() else None)
        write_json(folder / SEGMENTS_FILE, {"k1": K1, "b": B, "segments": [
            {"name": s.name, "passages": len(s.rows), "live": s.live} for s in self.segments]})

    @classmethod
    def load(cls, folder: Path, *, size: int, mmap: bool = False) -> LexicalIndex:
        listing = folder / SEGMENTS_FILE
        if not listing.is_file():  # format 3
            marked, folded = (PrecomputedField.load(folder / name, mmap=mmap) for name in FIELDS)
            return cls(marked, folded, size, None)
        names = [entry["name"] for entry in json.loads(listing.read_text(encoding="utf-8"))["segments"]]
        return cls.of_segments([Segment.load(folder / name, mmap=mmap) for name in names], size=size)


def _segment_name(number: int) -> str:
    return f"s{number:05d}"


def _segment(number: int, rows: np.ndarray, texts: Sequence[str]) -> Segment:
    return Segment.index(_segment_name(number), rows, {
        "marked": (marked_document_tokens(t) for t in texts), "folded": (folded_document_tokens(t) for t in texts)})
