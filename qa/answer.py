"""From retrieved passages to a cited answer: the sentence that proves it and the span it gives.

The supporting sentence is chosen among all sentences of the retrieved passages by how much
of the question it covers (IDF-weighted), how close it is in meaning (the embedding model),
whether it holds a span of the asked type and the role verb the question turns on. The
confidence is a logistic model of those signals, calibrated on gold questions that include
unanswerable ones; below its threshold the assistant abstains and still shows the passages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources

import numpy as np

from .index import CorpusIndex, passage_text
from .lexical import LexicalIndex, query_tokens
from .question import Question
from .retrieve import Passage
from .spans import Span, counts, dates, enumeration, people, places, positions
from .text import fold_accents, folded_tokens, match_tokens, nfc

_POOL_PASSAGES = 4
_TYPED = ("who", "position", "when", "where", "how_many", "list")


@dataclass(frozen=True)
class Citation:
    number: int
    doc_id: str
    title: str
    date: str | None
    source: str
    url: str | None
    passage: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    score: float
    answer_start: int | None = None
    answer_end: int | None = None


@dataclass(frozen=True)
class Alternative:
    """Another article's answer to the same question, when articles of different dates disagree."""

    text: str
    date: str | None
    citation: int


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sentence: str
    abstained: bool
    confidence: float
    citations: tuple[Citation, ...]
    question_type: str = "other"
    language: str = "vi"
    resolved_date: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return asdict(self)

    def markdown(self) -> str:
        return render_markdown(self)


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int  # sentence offsets in the article text
    end: int
    coverage: float
    similarity: float
    span: Span | None
    has_verb: bool
    score: float

    @property
    def text(self) -> str:
        return self.passage.article.text[self.start : self.end]


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over the answer signals and the abstention threshold, fitted offline."""

    weights: dict[str, float]
    bias: float
    threshold: float

    @classmethod
    def bundled(cls) -> Calibration:
        data = json.loads((resources.files("qa") / "data" / "calibration.json").read_text(encoding="utf-8"))
        return cls(weights=data["weights"], bias=data["bias"], threshold=data["threshold"])

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# --- signals ------------------------------------------------------------------------------


def _question_terms(question: Question, lexical: LexicalIndex, *, known_only: bool = True) -> dict[str, float]:
    """Content syllables and syllable bigrams of the question with their IDF in the corpus.

    Bigrams carry the words ("thời tiết", "chủ trì"): a sentence that has "thời" and "tiết"
    apart does not cover "thời tiết". Ranking sentences uses the terms the corpus knows;
    judging whether the corpus can answer at all uses every term.
    """
    field_name, tokens = query_tokens(question.text)
    return {
        t: lexical.idf(t, field=field_name)
        for t in tokens
        if not known_only or lexical.knows(t, field=field_name)
    }


def _sentence_tokens(text: str, question: Question) -> set[str]:
    tokens = match_tokens(text) if question.diacritics else folded_tokens(text)
    return {*tokens, *(f"{a}_{b}" for a, b in zip(tokens, tokens[1:]))}


def _coverage(terms: dict[str, float], tokens: set[str]) -> float:
    """IDF-weighted share of the question's terms found; 0 when the corpus knows none of them."""
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in tokens) / total if total else 0.0


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
    asked = set(match_tokens(question.text) if question.diacritics else folded_tokens(question.text))
    keep = []
    for span in spans:
        text = sentence[span.start : span.end]
        tokens = match_tokens(text) if question.diacritics else folded_tokens(text)
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
        return len(asked & set(match_tokens(text) if question.diacritics else folded_tokens(text)))

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


def _pool(passages: Sequence[Passage], index: CorpusIndex) -> list[tuple[Passage, int]]:
    """Sentence rows of the best passages, each once (overlapping chunks repeat sentences)."""
    seen, pool = set(), []
    for passage in passages[:_POOL_PASSAGES]:
        for row in index.sentences_of_chunk(passage.row).tolist():
            if row not in seen:
                seen.add(row)
                pool.append((passage, row))
    return pool


def rank_sentences(question: Question, passages: Sequence[Passage], *, query_vector: np.ndarray, index: CorpusIndex) -> list[Candidate]:
    """Every sentence of the best passages, best first, scored as the module docstring says.

    Sentence vectors are stored in the index, so this runs no model: a few dot products.
    """
    pool = _pool(passages, index)
    if not pool:
        return []
    terms = _question_terms(question, index.lexical)
    rows = [row for _, row in pool]
    similarities = index.sentence_vectors[rows].astype(np.float32) @ query_vector
    english = question.language == "en"
    candidates = []
    for (passage, row), similarity in zip(pool, similarities):
        start, end = (int(v) for v in index.sentence_rows[row, 1:3])
        text = passage.article.text[start:end]
        coverage = _coverage(terms, _sentence_tokens(text, question))
        spans = _new_to_the_question(_typed_spans(question, text, passage), text, question)
        span = _choose_span(question, text, spans, terms)
        has_verb = bool(_verb_positions(question, text))
        score = (0.25 if english else 0.5) * coverage + (0.75 if english else 0.5) * float(similarity)
        score += (0.15 if span else -0.1 if question.kind in _TYPED else 0.0) + (0.15 * has_verb if question.role_verbs else 0.0)
        score += 0.1 * _names_asked_title(question, text, span)
        candidates.append(Candidate(passage, start, end, coverage, float(similarity), span, has_verb, score))
    return sorted(candidates, key=lambda c: -c.score)


def _missing_terms(question: Question, passages: Sequence[Passage], lexical: LexicalIndex) -> tuple[float, float, float]:
    """How much of the question the best passages leave out: weighted share, and the rarest term.

    A question about something the articles never mention ("thời tiết", "bóng đá", "năm
    2021") keeps a rare term that no retrieved passage holds; that is the clearest sign to
    abstain. The shares are only meaningful for Vietnamese questions (English words never occur
    in the text); a number the question names and no passage holds counts in both languages.
    """
    if not passages:
        return 0.0, 0.0, 0.0
    terms = _question_terms(question, lexical, known_only=False)
    present = set().union(*(_sentence_tokens(passage_text(p.article, p.chunk.text), question) for p in passages[:3]))
    missing = {t: w for t, w in terms.items() if t not in present}
    number_missing = float(any(t.isdigit() for t in missing))  # "năm 2021" asked, only 2022 found
    if question.language == "en":
        return 0.0, 0.0, number_missing
    total = sum(terms.values())
    ceiling = math.log(1 + (lexical.size + 0.5) / 0.5)
    rarest = max((w for t, w in missing.items() if "_" not in t), default=0.0)
    return (sum(missing.values()) / total if total else 0.0), rarest / ceiling, number_missing


def answer_features(question: Question, best: Candidate, passages: Sequence[Passage], lexical: LexicalIndex) -> dict[str, float]:
    typed = question.kind in _TYPED
    missing_share, rarest_missing, number_missing = _missing_terms(question, passages, lexical)
    return {
        "coverage": 0.0 if question.language == "en" else best.coverage,
        "similarity": best.similarity,
        "passage_similarity": max((p.dense_score or 0.0) for p in passages),
        "typed_span_found": float(typed and best.span is not None),
        "typed_span_missing": float(typed and best.span is None),
        "english": float(question.language == "en"),
        "no_diacritics": float(question.language == "vi" and not question.diacritics),
        "missing_share": missing_share,
        "rarest_missing": rarest_missing,
        "number_missing": number_missing,
    }


# --- the answer ---------------------------------------------------------------------------


def _citation(number: int, passage: Passage, candidate: Candidate | None) -> Citation:
    article, chunk = passage.article, passage.chunk
    sentence = (candidate.start, candidate.end) if candidate else (chunk.start, chunk.start)
    span = candidate.span if candidate else None
    return Citation(
        number=number, doc_id=article.id, title=article.title, date=str(article.date) if article.date else None,
        source=article.source, url=article.url, passage=chunk.text, start=chunk.start, end=chunk.end,
        sentence_start=sentence[0], sentence_end=sentence[1], score=round(passage.score, 6),
        answer_start=candidate.start + span.start if span else None,
        answer_end=candidate.start + span.end if span else None,
    )


def _best_per_article(candidates: Sequence[Candidate]) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        best.setdefault(candidate.passage.article.id, candidate)
    return list(best.values())


def _span_text(candidate: Candidate) -> str:
    return candidate.text[candidate.span.start : candidate.span.end] if candidate.span else candidate.text


def _disagreeing(question: Question, leaders: list[Candidate]) -> list[Candidate]:
    """Articles of different dates whose equally good sentences give different answers."""
    if len(leaders) < 2 or question.kind not in ("who", "when", "where", "how_many") or leaders[0].span is None:
        return []
    first = leaders[0]
    rivals = [
        c for c in leaders[1:3]
        if c.span is not None and c.score >= 0.92 * first.score and c.passage.article.date != first.passage.article.date
        and match_tokens(_span_text(c)) != match_tokens(_span_text(first))
    ]
    if not rivals:
        return []
    group = [first, *rivals]
    return sorted(group, key=lambda c: c.passage.article.date.first_day().toordinal() if c.passage.article.date else 0, reverse=True)


def _ordered_citations(lead: list[Candidate], passages: Sequence[Passage], leaders: Sequence[Candidate], k: int):
    """One citation per article: the articles behind the answer first, then the best other passages."""
    by_article = {c.passage.article.id: c for c in leaders}
    order = [c.passage for c in lead]
    for passage in passages:
        if all(p.article.id != passage.article.id for p in order):
            order.append(passage)
    chosen = order[: max(k, len(lead))]
    return tuple(_citation(i + 1, p, _matching(by_article.get(p.article.id), p)) for i, p in enumerate(chosen))


def _matching(candidate: Candidate | None, passage: Passage) -> Candidate | None:
    """The article's best sentence, cited with the passage that contains it."""
    if candidate is None:
        return None
    return candidate if candidate.passage.row == passage.row else None


def compose_answer(
    question: Question, passages: Sequence[Passage], candidates: Sequence[Candidate], *, calibration: Calibration,
    lexical: LexicalIndex, k: int, notes: tuple[str, ...] = (),
) -> Answer:
    if not candidates:
        citations = _ordered_citations([], passages, [], k)
        return Answer(question.text, "", "", True, 0.0, citations, question.kind, question.language, notes=notes)
    leaders = _best_per_article(candidates)
    best = leaders[0]
    confidence = calibration.probability(answer_features(question, best, passages, lexical))
    abstained = confidence < calibration.threshold
    group = [] if abstained else _disagreeing(question, leaders)
    lead = group or [best]
    head = lead[0]
    citations = _ordered_citations(lead, passages, leaders, k)
    alternatives = tuple(
        Alternative(_span_text(c), str(c.passage.article.date) if c.passage.article.date else None, i + 1)
        for i, c in enumerate(lead[1:], start=1)
    )
    return Answer(
        question=question.text,
        text="" if abstained else _span_text(head),
        sentence=head.text,
        abstained=abstained,
        confidence=round(confidence, 4),
        citations=citations,
        question_type=question.kind,
        language=question.language,
        resolved_date=None if abstained or head.span is None else head.span.resolved,
        alternatives=alternatives,
        notes=notes,
    )


# --- rendering ----------------------------------------------------------------------------

NOT_FOUND_VI = "Không tìm thấy thông tin trả lời câu hỏi này trong các bài báo."


def render_markdown(answer: Answer) -> str:
    lines = []
    if answer.abstained:
        lines.append(f"{NOT_FOUND_VI} (No answer found in the articles.)")
        if answer.citations:
            lines.append("\nĐoạn gần nhất / closest passages:")
    else:
        resolved = f" ({answer.resolved_date})" if answer.resolved_date and answer.resolved_date not in answer.text else ""
        lines.append(f"**{answer.text}**{resolved} [1]")
        for alternative in answer.alternatives:
            lines.append(f"- Bài ngày {alternative.date}: **{alternative.text}** [{alternative.citation}]")
        if answer.alternatives:
            lines.insert(1, f"- Bài ngày {answer.citations[0].date}: **{answer.text}** [1] (mới nhất / newest)")
            lines[0] = "Các bài báo trả lời khác nhau (articles disagree):"
        lines.append(f"\n> {answer.sentence} [1]")
    lines.append("")
    for citation in answer.citations:
        date = f", {citation.date}" if citation.date else ""
        lines.append(f"[{citation.number}] {citation.title} ({citation.source}{date}), ký tự {citation.start}–{citation.end}")
    return "\n".join(lines)
