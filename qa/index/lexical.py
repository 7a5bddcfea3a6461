"""BM25 over Vietnamese tokens, in two fields: marked syllables and accent-folded syllables.

Words span several syllables ("chủ trì", "Cục trưởng"), so each field holds syllables plus
syllable bigrams. A question typed with diacritics is matched on the marked field (where
"hội" and "hỏi" stay apart); one typed without them on the folded field.

Token lookup does not use bm25s' vocabulary dict: with bigrams a field holds ~17 tokens per
passage, and as a Python dict that was most of an open index's memory (178 MB of 265 at 28,000
passages). Each field instead stores its tokens' 64-bit hashes, sorted, beside their columns,
memory-mapped and searched with numpy (:class:`Vocabulary`).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from qa.index.hits import Hits
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


VOCABULARY_KEYS, VOCABULARY_COLUMNS = "vocabulary.keys.npy", "vocabulary.columns.npy"


def _token_hashes(tokens: Iterable[str]) -> np.ndarray:
    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
                        for t in tokens), dtype=np.uint64)


@dataclass(frozen=True)
class Vocabulary:
    """Token to BM25 column through sorted 64-bit token hashes.

    Two tokens of one field share a hash with odds of about 1e-7 at four million tokens; then
    one of them scores as the other, a far smaller error than a missed bigram.
    """

    keys: np.ndarray  # uint64, ascending
    columns: np.ndarray  # int64, the column of each key

    @classmethod
    def from_dict(cls, vocabulary: dict[str, int]) -> Vocabulary:
        keys = _token_hashes(vocabulary)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))[order])

    def columns_of(self, tokens: Sequence[str]) -> list[int | None]:
        if not tokens or not len(self.keys):
            return [None] * len(tokens)
        hashes = _token_hashes(tokens)
        places = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        found = self.keys[places] == hashes
        return [int(self.columns[p]) if hit else None for p, hit in zip(places, found)]

    def save(self, folder: Path) -> None:
        np.save(folder / VOCABULARY_KEYS, self.keys, allow_pickle=False)
        np.save(folder / VOCABULARY_COLUMNS, self.columns, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> Vocabulary:
        return cls(np.load(folder / VOCABULARY_KEYS, mmap_mode="r", allow_pickle=False),
                   np.load(folder / VOCABULARY_COLUMNS, mmap_mode="r", allow_pickle=False))


@dataclass(frozen=True)
class Field:
    """One BM25 field: bm25s' score matrix and the vocabulary that finds its columns."""

    model: bm25s.BM25
    vocabulary: Vocabulary

    @classmethod
    def fit(cls, docs: Iterable[list[str]]) -> Field:
        """Index documents whose tokens are numbered as they stream past.

        Handing bm25s every document's token strings holds one string object per bigram
        occurrence: 6.2 GB at 205,000 passages, against 2.6 GB when a document keeps only
        references to the shared ids in ``vocabulary`` (bench/bm25_build.py).
        """
        vocabulary = {"": 0}  # bm25s' reserved empty token, which an empty document still needs
        ids = [[vocabulary.setdefault(token, len(vocabulary)) for token in doc] or [0] for doc in docs]
        model = bm25s.BM25()
        model.index((ids or [[0]], vocabulary), show_progress=False)
        return cls(model, Vocabulary.from_dict(vocabulary))

    def save(self, folder: Path) -> None:
        self.model.save(str(folder), show_progress=False)
        self.vocabulary.save(folder)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool) -> Field:
        return cls(bm25s.BM25.load(str(folder), mmap=mmap, load_vocab=False), Vocabulary.load(folder))

    def column(self, token: str) -> int | None:
        return self.vocabulary.columns_of([token])[0]

    def frequency(self, column: int | None) -> int:
        indptr = self.model.scores["indptr"]
        return 0 if column is None else int(indptr[column + 1] - indptr[column])


@dataclass(frozen=True)
class LexicalIndex:
    marked: Field
    folded: Field
    size: int

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        marked = Field.fit(marked_document_tokens(t) for t in texts)
        return cls(marked, Field.fit(folded_document_tokens(t) for t in texts), len(texts))

    def _field(self, name: str) -> Field:
        return self.marked if name == "marked" else self.folded

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for ``question`` (zeros when nothing matches)."""
        name, tokens = query_tokens(question)
        field = self._field(name)
        known = [c for c in field.vocabulary.columns_of(tokens) if c is not None]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(field.model.get_scores_from_ids(known), dtype=np.float32)

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
        chosen = self._field(field)
        frequency = chosen.frequency(chosen.column(token))
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def knows(self, token: str, *, field: str) -> bool:
        return self._field(field).column(token) is not None

    def save(self, folder: Path) -> None:
        for name in ("marked", "folded"):
            (folder / name).mkdir(parents=True, exist_ok=True)
            self._field(name).save(folder / name)

    @classmethod
    def load(cls, folder: Path, *, size: int, mmap: bool = False) -> LexicalIndex:
        return cls(Field.load(folder / "marked", mmap=mmap), Field.load(folder / "folded", mmap=mmap), size)
