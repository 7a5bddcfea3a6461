"""The seams between retrieval and the answer: a ``Reranker`` and a ``Reader``.

A reader turns the retrieved passages into candidate answers, each a sentence of an article
with an optional typed span inside it, a score to rank by and the named features that the
calibrated confidence reads. Two readers exist: the hand-written rules (fast, no model) and
the trained span reader (``qa.models.span_reader``). A reranker rescores passages before
reading; the span reader's answerability score is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa.answer.question import Question
from qa.answer.spans import Span
from qa.index.corpus_index import CorpusIndex
from qa.index.retrieve import Passage


class ReaderSettings(Protocol):
    def to_dict(self) -> dict[str, float]: ...


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int  # sentence offsets in the article text
    end: int
    span: Span | None  # offsets into the sentence
    score: float
    features: Mapping[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start : self.end]

    @property
    def answer_text(self) -> str:
        return self.text[self.span.start : self.span.end] if self.span else self.text


class Reader(Protocol):
    name: str  # also names its calibration file, qa/data/calibration-<name>.json
    feature_names: tuple[str, ...]
    settings: ReaderSettings

    def for_index(self, index: CorpusIndex) -> Reader:
        """The same reader over another version of the index (after articles are added)."""
        ...

    def depth(self, question: Question) -> int:
        """How many of the first passages it reads for this question: the pipeline retrieves at
        least that many, so a deeper setting is never cut short without a word."""
        ...

    def read(self, question: Question, passages: Sequence[Passage], *, query_vector: np.ndarray) -> list[Candidate]:
        """Candidates best first; every one carries the same feature names."""
        ...


class Reranker(Protocol):
    def rerank(self, question: Question, passages: Sequence[Passage]) -> list[Passage]:
        """The passages rescored and reordered, best first."""
        ...
