"""Hybrid retrieval: dense and BM25 candidates fused, with date and source filters and a
preference for articles of the time a question names.

The index searches each side (``CorpusIndex.dense_search``, ``LexicalIndex.search``); this
module only chooses the rows a filter admits, fuses the two rankings and lifts the passages of
articles whose date matches the question's own times. Both component ranks are kept on every
passage, so a surprising result can be traced to the retriever that put it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from qa.ingest.chunking import Chunk
from qa.ingest.corpus import Article
from qa.models.embedder import Embedder
from qa.index.corpus_index import CorpusIndex
from qa.answer.english_terms import lexical_query
from qa.answer.question import analyse
from qa.answer.question_dates import AskedTime
from qa.timing import stage

Mode = Literal["hybrid", "dense", "bm25"]
Fusion = Literal["rrf", "weighted"]


@dataclass(frozen=True)
class Filters:
    """Which articles may answer: published within [date_from, date_to], from a matching source.

    A month-precise date matches a range that overlaps its month; an undated article never
    matches a date filter. ``source`` matches any part of the article's source or origin.
    These are the user's hard limits; the times a question names only reorder what they admit
    (``RetrievalSettings.time_boost``).
    """

    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.source)

    def admits(self, article: Article) -> bool:
        if self.source and self.source.lower() not in f"{article.source} {article.origin}".lower():
            return False
        if not (self.date_from or self.date_to):
            return True
        if article.date is None:
            return False
        if self.date_from and article.date.last_day() < self.date_from:
            return False
        return not (self.date_to and article.date.first_day() > self.date_to)


@dataclass(frozen=True)
class Passage:
    row: int
    chunk: Chunk
    article: Article
    score: float
    dense_rank: int | None
    dense_score: float | None
    lexical_rank: int | None
    lexical_score: float | None


@dataclass(frozen=True)
class RetrievalSettings:
    """How candidates are fused. The defaults won on UIT-ViNewsQA (bench/retrieval_vinewsqa.py):
    min-max weighted fusion with 0.3 on the dense side beat reciprocal rank fusion by 7 points
    of R@1. English questions are fused alike: with their roles, events and places searched in
    Vietnamese (qa/answer/english_terms.py), BM25 finds their articles more surely than the
    English sentence's vector. On the training questions in English (bench/english_fusion.py),
    0.3 on the dense side found the article first for 67.0 % (typed bare: 61.9 %; with only the
    names left in Vietnamese: 31.1 %), 0.8, the earlier English weight, for 56.8 % (24.5 %;
    26.5 %).

    ``time_boost`` lifts the passages of articles dated at a time the question names by that
    share of the best fused score; 0 turns it off. Half the best score won on the gold set over
    the sample articles with a 2023 year-end article and 147 dated Dân trí articles beside them:
    R@1 86.6 against 84.8 without it, and answers holding a gold answer 74.1 % against 73.2 %.
    A lift of 1 or more, which sets every matching passage above every other (a filter that
    falls back to the rest), found one more article first (87.5) but answered worse (73.2 %):
    it buried the December article that a question about a plan "dated 25 May 2022" needs.
    """

    mode: Mode = "hybrid"
    fusion: Fusion = "weighted"
    rrf_k: int = 60
    dense_weight: float = 0.3
    candidates: int = 50
    time_boost: float = 0.5


class Retriever:
    def __init__(self, index: CorpusIndex, embedder: Embedder, *, settings: RetrievalSettings = RetrievalSettings()) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def search(self, question: str, *, k: int = 5, filters: Filters = Filters()) -> list[Passage]:
        return self.search_batch([question], k=k, filters=filters)[0]

    def search_batch(
        self, questions: Sequence[str], *, k: int = 5, filters: Filters = Filters(), vectors: np.ndarray | None = None
    ) -> list[list[Passage]]:
        """Top ``k`` passages per question; ``vectors`` are the questions' embeddings if already computed."""
        if not questions:
            return []
        allowed = self._allowed_rows(filters)
        want_dense = self.settings.mode in ("hybrid", "dense")
        if want_dense and vectors is None:
            with stage("query_embedding"):
                vectors = self.embedder.embed(list(questions), kind="query")
        candidates = self.settings.candidates
        with stage("faiss"):
            dense = self.index.dense_search(vectors, k=candidates, allowed=allowed) if want_dense else []
        results = []
        for position, question in enumerate(questions):
            analysed = analyse(question)
            with stage("bm25"):
                searched = lexical_query(question, english=analysed.language == "en")
                lexical = (self.index.lexical.search(searched, k=candidates, allowed=allowed).ranked()
                           if self.settings.mode in ("hybrid", "bm25") else {})
            with stage("fusion"):
                results.append(self._fuse(dense[position].ranked() if want_dense else {}, lexical, k,
                                          times=analysed.times))
        return results

    def _allowed_rows(self, filters: Filters) -> np.ndarray | None:
        if not filters.active:
            return None
        return self.index.chunks_of_articles([filters.admits(a) for a in self.index.articles])

    def _fuse(self, dense: dict[int, tuple[int, float]], lexical: dict[int, tuple[int, float]], k: int,
              *, times: tuple[AskedTime, ...]) -> list[Passage]:
        fused = self._prefer_times(self._fused_scores(dense, lexical), times)
        best = sorted(fused, key=lambda row: (-fused[row], row))[:k]
        return [
            Passage(
                row=row,
                chunk=self.index.chunk(row),
                article=self.index.article_of(row),
                score=fused[row],
                dense_rank=dense[row][0] if row in dense else None,
                dense_score=dense[row][1] if row in dense else None,
                lexical_rank=lexical[row][0] if row in lexical else None,
                lexical_score=lexical[row][1] if row in lexical else None,
            )
            for row in best
        ]

    def _fused_scores(self, dense, lexical) -> dict[int, float]:
        rows = {*dense, *lexical}
        if self.settings.fusion == "rrf":
            k = self.settings.rrf_k
            return {row: sum(1.0 / (k + hits[row][0]) for hits in (dense, lexical) if row in hits) for row in rows}
        dense_part, lexical_part = _normalised(dense), _normalised(lexical)
        weight = self.settings.dense_weight
        return {row: weight * dense_part.get(row, 0.0) + (1 - weight) * lexical_part.get(row, 0.0) for row in rows}

    def _prefer_times(self, fused: dict[int, float], times: tuple[AskedTime, ...]) -> dict[int, float]:
        """Passages of articles dated at a time the question names gain a share of the best score.

        A lift rather than a filter: the time may be that of an event an article of another
        date reports ("Kế hoạch … ngày 25/5/2022" is cited in a December article), and an
        undated article may still hold the answer.
        """
        if not times or not fused or self.settings.time_boost <= 0:
            return fused
        lift = self.settings.time_boost * (max(fused.values()) or 1.0)
        dated = {row: self.index.article_of(row).date for row in fused}
        return {row: score + lift * any(t.matches(dated[row]) for t in times) for row, score in fused.items()}


def _normalised(hits: dict[int, tuple[int, float]]) -> dict[int, float]:
    """Min-max scores within one question's candidates; a row the retriever did not return gets 0."""
    if not hits:
        return {}
    values = [score for _, score in hits.values()]
    low, high = min(values), max(values)
    return {row: 1.0 if high == low else (score - low) / (high - low) for row, (_, score) in hits.items()}
