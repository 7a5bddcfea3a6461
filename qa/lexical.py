"""BM25 over Vietnamese tokens, in two fields: marked syllables and accent-folded syllables.

Words span several syllables ("chủ trì", "Cục trưởng"), so each field holds syllables plus
syllable bigrams. A question typed with diacritics is matched on the marked field (where
"hội" and "hỏi" stay apart); one typed without them on the folded field.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .text import folded_tokens, has_diacritics, match_tokens

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


def document_tokens(text: str) -> tuple[list[str], list[str]]:
    """The marked and folded token lists of one passage."""
    return _with_bigrams(match_tokens(text)), _with_bigrams(folded_tokens(text))


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


@dataclass(frozen=True)
class LexicalIndex:
    marked: bm25s.BM25
    folded: bm25s.BM25
    size: int

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        marked_docs, folded_docs = zip(*(document_tokens(t) for t in texts)) if texts else ((), ())
        return cls(_fit(list(marked_docs)), _fit(list(folded_docs)), len(texts))

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage for ``question`` (zeros when nothing matches)."""
        field, tokens = query_tokens(question)
        model = self.marked if field == "marked" else self.folded
        known = [t for t in tokens if t in model.vocab_dict]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(model.get_scores(known), dtype=np.float32)

    def idf(self, token: str, *, field: str) -> float:
        """Inverse document frequency of ``token`` in one field.

        A token the corpus never uses gets the highest value: a question term no article
        contains is the strongest sign that the articles cannot answer it.
        """
        model = self.marked if field == "marked" else self.folded
        column = model.vocab_dict.get(token)
        indptr = model.scores["indptr"]
        frequency = 0 if column is None else int(indptr[column + 1] - indptr[column])
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def knows(self, token: str, *, field: str) -> bool:
        return token in (self.marked if field == "marked" else self.folded).vocab_dict

    def save(self, folder: Path) -> None:
        self.marked.save(str(folder / "marked"), show_progress=False)
        self.folded.save(str(folder / "folded"), show_progress=False)

    @classmethod
    def load(cls, folder: Path, *, size: int, mmap: bool = False) -> LexicalIndex:
        marked = bm25s.BM25.load(str(folder / "marked"), mmap=mmap)
        folded = bm25s.BM25.load(str(folder / "folded"), mmap=mmap)
        return cls(marked, folded, size)


def _fit(docs: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25()
    # An empty document still needs a token for bm25s; "" is its reserved empty token.
    model.index([doc or [""] for doc in docs] or [[""]], show_progress=False)
    return model
