"""The hand-written reader: the supporting sentence by how much of the question it covers,
then a typed span inside it.

Every sentence of the best passages is scored by how much of the question it covers
(IDF-weighted), how close it is in meaning (its vector, embedded on first read and cached, see
``sentence_vectors``), whether it holds a span of the asked type and the role verb the question
turns on. Fast and transparent; the trained span reader generalises better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from qa.answer.english_terms import article_phrases
from qa.answer.question import Question
from qa.answer.question_dates import numbers_dated
from qa.answer.reading import Candidate
from qa.answer.sentence_vectors import SentenceVectors
from qa.answer.spans import Span, counts, dates, enumeration, people, places, positions
from qa.index.corpus_index import CorpusIndex, passage_text
from qa.index.lexical import LexicalIndex, query_tokens
from qa.index.retrieve import Passage
from qa.ingest.corpus import ArticleDate
from qa.ingest.text import fold_accents, folded_tokens, match_tokens, nfc
from qa.models.embedder import Embedder

TYPED_KINDS = ("who", "position", "when", "where", "how_many", "list")


@dataclass(frozen=True)
class RuleSettings:
    """The sentence score's weights; the calibration records the values it was fitted with."""

    pool_passages: int = 4  # sentences are drawn from this many best passages
    missing_terms_passages: int = 3  # the question's terms are looked for in this many
    coverage_weight: float = 0.5  # the rest of 1.0 goes to the sentence vector's similarity
    english_coverage_weight: float = 0.25  # English words rarely occur in Vietnamese text
    span_bonus: float = 0.15
    missing_span_penalty: float = 0.1  # a typed question whose sentence holds no such span
    verb_bonus: float = 0.15
    asked_title_bonus: float = 0.1

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def _question_terms(question: Question, lexical: LexicalIndex, *, known_only: bool = True) -> dict[str, float]:
    """Content syllables and syllable bigrams of the question with their IDF in the corpus.

    Bigrams carry the words ("thời tiết", "chủ trì"): a sentence that has "thời" and "tiết"
    apart does not cover "thời tiết". Ranking sentences uses the terms the corpus knows;
    judging whether the corpus can answer at all uses every term. An English question's terms
    are those of its words an article could hold (its terms in Vietnamese, names, numbers),
    folded: its English words never occur in the text.
    """
    if question.language == "en":
        phrases = [replace(question, text=fold_accents(phrase), language="vi", diacritics=False)
                   for phrase in article_phrases(question.text)]
        return {t: w for phrase in phrases for t, w in _question_terms(phrase, lexical, known_only=known_only).items()}
    field_name, tokens = query_tokens(question.text)
    return {
        t: lexical.idf(t, field=field_name)
        for t in tokens
        if not known_only or lexical.knows(t, field=field_name)
    }


def _sentence_tokens(text: str, question: Question) -> set[str]:
    """The words and bigrams of a text as the question's terms are written: folded for English."""
    tokens = folded_tokens(text) if question.language == "en" else question.keys(text)
    return {*tokens, *(f"{a}_{b}" for a, b in zip(tokens, tokens[1:]))}


def _coverage(terms: dict[str, float], tokens: set[str]) -> float:
    """IDF-weighted share of the question's terms found; 0 when the corpus knows none of them."""
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in tokens) / total if total else 0.0


def sentence_coverage(question: Question, sentence: str, lexical: LexicalIndex, *, published: ArticleDate | None = None) -> float:
    """How much of the question the sentence, in an article dated ``published``, says. A span in
    a sentence that says little of the question is the mark of an article that is about the
    event but does not say what was asked of it."""
    said = _sentence_tokens(sentence, question) | numbers_dated(question.times, published)
    return _coverage(_question_terms(question, lexical), said)


def _typed_spans(question: Question, sentence: str, passage: Passage) -> list[Span]:
    kind = question.kind
    if kind == "who":
        return people(sentence)
    if kind == "when":
        return dates(sentence, passage.article.date)
    if kind == "where":
        return places(sentence)
    if kind == "how_many":
        taken = [(d.start, d.end) for d in dates(sentence, passage.article.date)]
        return [s for s in counts(sentence, question.unit) if not any(a <= s.start < b for a, b in taken)]
    if kind == "list":
        return enumeration(sentence)
    if kind == "position":
        return positions(sentence)
    return []


def _new_to_the_question(spans: list[Span], sentence: str, question: Question) -> list[Span]:
    """Spans that add something: "Ngày 28/12" cannot answer a question that already says 28/12."""
    asked = set(question.keys(question.text))
    keep = []
    for span in spans:
        text = sentence[span.start : span.end]
        tokens = question.keys(text)
        if not set(tokens) <= asked:
            keep.append(span)
    return keep


def _verb_positions(question: Question, sentence: str) -> list[int]:
    lowered = sentence.lower()
    return [lowered.find(v) for v in question.role_verbs if lowered.find(v) >= 0]


def _choose_span(question: Question, sentence: str, spans: list[Span], terms: dict[str, float]) -> Span | None:
    """The span nearest the role verb (its subject comes just before it), else nearest the question's words."""
    if not spans:
        return None
    verbs = _verb_positions(question, sentence)
    if question.kind == "who" and verbs:
        before = [s for s in spans if s.end <= verbs[0]]
        return max(before, key=lambda s: s.end) if before else spans[0]
    if question.kind == "who" and len(spans) > 1:
        return _best_described(question, sentence, spans)
    rare = sorted((t for t in terms if "_" not in t and _positions(sentence, t)), key=lambda t: -terms[t])[:3]
    anchors = [(i, i + len(t)) for t in rare for i in _positions(sentence, t)]
    if not anchors or len(spans) == 1:
        return spans[0]
    return min(spans, key=lambda s: min(_distance(s, anchor) for anchor in anchors))


def _names_asked_title(question: Question, sentence: str, span: Span | None) -> bool:
    """The person found carries the title an English question asks about ("director")."""
    if span is None or not question.titles:
        return False
    found = sentence[span.start : span.end].lower()
    return any(title in found for title in question.titles)


def _best_described(question: Question, sentence: str, spans: list[Span]) -> Span:
    """The person whose name and title share most words with the question ("Ai là Cục trưởng …")."""
    asked = set(match_tokens(" ".join((question.text, *question.titles))))
    if not question.diacritics:
        asked = {fold_accents(t) for t in asked}

    def overlap(span: Span) -> int:
        text = sentence[span.start : span.end]
        return len(asked & set(question.keys(text)))

    return max(spans, key=lambda s: (overlap(s), -s.start))


def _distance(span: Span, anchor: tuple[int, int]) -> int:
    """Characters between a span and a question word; a span before its anchor counts double.

    Vietnamese puts the detail after the noun: "Kế hoạch số 118 ngày 25/5/2022".
    """
    if span.start >= anchor[1]:
        return span.start - anchor[1]
    return 2 * max(0, anchor[0] - span.end) + 1


def _positions(sentence: str, term: str) -> list[int]:
    lowered = nfc(sentence).lower()
    found, start = [], lowered.find(term)
    while start >= 0 and len(found) < 5:
        found.append(start)
        start = lowered.find(term, start + 1)
    return found


# --- choosing the sentence ---------------------------------------------------------------


def _pool(passages: Sequence[Passage], index: CorpusIndex, limit: int) -> list[tuple[Passage, int]]:
    """Sentence rows of the best passages, each once (overlapping chunks repeat sentences)."""
    seen, pool = set(), []
    for passage in passages[:limit]:
        for row in index.sentences_of_chunk(passage.row).tolist():
            if row not in seen:
                seen.add(row)
                pool.append((passage, row))
    return pool


def missing_terms(question: Question, passages: Sequence[Passage], lexical: LexicalIndex, *, looked_in: int) -> tuple[float, float, float]:
    """How much of the question the best passages leave out: weighted share, and the rarest term.

    A question about something the articles never mention ("thời tiết", "bóng đá", "năm
    2021") keeps a rare term that no retrieved passage holds; that is the clearest sign to
    abstain.
    """
    if not passages:
        return 0.0, 0.0, 0.0
    terms = _question_terms(question, lexical, known_only=False)
    present = set().union(*(_sentence_tokens(passage_text(p.article, p.chunk.text), question)
                            | numbers_dated(question.times, p.article.date) for p in passages[:looked_in]))
    missing = {t: w for t, w in terms.items() if t not in present}
    number_missing = float(any(t.isdigit() for t in missing))  # "năm 2021" asked, only 2022 found
    total = sum(terms.values())
    ceiling = math.log(1 + (lexical.size + 0.5) / 0.5)
    rarest = max((w for t, w in missing.items() if "_" not in t), default=0.0)
    return (sum(missing.values()) / total if total else 0.0), rarest / ceiling, number_missing



class RulesReader:
    """``Reader`` over the index's sentences and the typed-span rules."""

    name = "rules"
    feature_names = ("coverage", "similarity", "passage_similarity", "typed_span_found", "typed_span_missing", "english",
                     "no_diacritics", "missing_share", "rarest_missing", "number_missing")

    def __init__(self, index: CorpusIndex, *, embedder: Embedder, settings: RuleSettings = RuleSettings()) -> None:
        self.index = index
        self.settings = settings
        self.sentence_vectors = SentenceVectors(index, embedder)

    def for_index(self, index: CorpusIndex) -> RulesReader:
        return RulesReader(index, embedder=self.sentence_vectors.embedder, settings=self.settings)

    def depth(self, question: Question) -> int:
        return max(self.settings.pool_passages, self.settings.missing_terms_passages)

    def read(self, question: Question, passages: Sequence[Passage], *, query_vector: np.ndarray) -> list[Candidate]:
        """Every sentence of the best passages, best first, scored as the module docstring says."""
        pool = _pool(passages, self.index, self.settings.pool_passages)
        if not pool:
            return []
        terms = _question_terms(question, self.index.lexical)
        rows = [row for _, row in pool]
        similarities = self.sentence_vectors.similarities(rows, query_vector)
        shared = question_features(question, passages, self.index.lexical, looked_in=self.settings.missing_terms_passages)
        scored = []
        for (passage, row), similarity in zip(pool, similarities):
            start, end = self.index.sentence_bounds(row)
            scored.append(self._candidate(question, passage, start, end, float(similarity), terms, shared))
        return sorted(scored, key=lambda c: -c.score)

    def _candidate(self, question: Question, passage: Passage, start: int, end: int, similarity: float,
                   terms: dict[str, float], shared: dict[str, float]) -> Candidate:
        s = self.settings
        text = passage.article.text[start:end]
        coverage = _coverage(terms, _sentence_tokens(text, question))
        spans = _new_to_the_question(_typed_spans(question, text, passage), text, question)
        span = _choose_span(question, text, spans, terms)
        has_verb = bool(_verb_positions(question, text))
        typed = question.kind in TYPED_KINDS
        weight = s.english_coverage_weight if question.language == "en" else s.coverage_weight
        score = weight * coverage + (1 - weight) * similarity
        score += s.span_bonus if span else -s.missing_span_penalty if typed else 0.0
        score += s.verb_bonus * has_verb if question.role_verbs else 0.0
        score += s.asked_title_bonus * _names_asked_title(question, text, span)
        features = {
            **shared,
            "coverage": coverage,
            "similarity": similarity,
            "typed_span_found": float(typed and span is not None),
            "typed_span_missing": float(typed and span is None),
        }
        return Candidate(passage, start, end, span, score, features)


def question_features(question: Question, passages: Sequence[Passage], lexical: LexicalIndex, *, looked_in: int) -> dict[str, float]:
    """The features every candidate of a question shares, whichever reader made it: how close
    the best passage is, the question's language, and what of it the passages leave out."""
    missing_share, rarest_missing, number_missing = missing_terms(question, passages, lexical, looked_in=looked_in)
    return {
        "passage_similarity": max((p.dense_score or 0.0) for p in passages),
        "english": float(question.language == "en"),
        "no_diacritics": float(question.language == "vi" and not question.diacritics),
        "missing_share": missing_share,
        "rarest_missing": rarest_missing,
        "number_missing": number_missing,
    }
