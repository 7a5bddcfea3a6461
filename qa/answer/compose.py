"""From a reader's candidates to the cited answer: confidence, trust label, citations and the
answers of articles of other dates.

The confidence is the calibrated probability that the articles hold an answer; below its
threshold the assistant abstains and still cites the closest passages. The trust label says
how far to take the answer (``Calibration.trust``): "not_found" exactly where it abstains,
"answered" only where the short answer is likely right, "unsure" between.

When the best sentences of articles of different dates give different answers (who headed
the department in May, and in December), all of them are listed: newest first, unless the
question names a time ("tháng 5"), when the articles of that time lead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer.calibration import Calibration
from qa.answer.question import Question
from qa.answer.reading import Candidate
from qa.answer.spans import count_words
from qa.answer.types import Alternative, Answer, Citation
from qa.index.retrieve import Passage
from qa.ingest.text import match_tokens

DISAGREEING_KINDS = ("who", "when", "where", "how_many")
_ROMAN_NUMERAL_RE = re.compile(r"\b[IVXLC]+\b")  # "lần thứ XV": which edition is a how-many answer too
NO_NUMBER_NOTE = ("Các bài viết không nêu con số trả lời câu hỏi "
                  "(no passage found writes a number that answers how many).")


@dataclass(frozen=True)
class ComposeSettings:
    rival_share: float = 0.92  # another article's answer is shown when it scores this close to the best
    max_rivals: int = 2


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


def best_per_article(candidates: Sequence[Candidate]) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        best.setdefault(candidate.passage.article.id, candidate)
    return list(best.values())


def disagreeing(question: Question, leaders: Sequence[Candidate], *, settings: ComposeSettings = ComposeSettings()) -> list[Candidate]:
    """Articles of different dates whose nearly as good answers differ, in ``_by_date`` order; else []."""
    if len(leaders) < 2 or question.kind not in DISAGREEING_KINDS or leaders[0].span is None:
        return []
    first = leaders[0]
    rivals = [
        c for c in leaders[1 : 1 + settings.max_rivals]
        if c.span is not None and c.score >= settings.rival_share * first.score
        and c.passage.article.date != first.passage.article.date
        and match_tokens(c.answer_text) != match_tokens(first.answer_text)
    ]
    if not rivals:
        return []
    return _by_date(question, [first, *rivals])


def _by_date(question: Question, group: Sequence[Candidate]) -> list[Candidate]:
    """Newest first, undated last; the articles of a time the question names before all others.

    Newest is the right guess only when the question leaves the time open: "Ai chủ trì cuộc
    họp tháng 5?" is answered by May's article even when December's is newer.
    """
    def key(candidate: Candidate) -> tuple[bool, int]:
        published = candidate.passage.article.date
        named = any(time.matches(published) for time in question.times)
        return named, published.first_day().toordinal() if published else 0

    return sorted(group, key=key, reverse=True)


def _ordered_citations(lead: list[Candidate], passages: Sequence[Passage], leaders: Sequence[Candidate], k: int) -> tuple[Citation, ...]:
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


def answers_its_kind(question: Question, candidate: Candidate) -> bool:
    """False for a how-many answer that writes no number: "Trần Quốc Tỏ" for "How many people
    attended the conference?" is wrong whatever its confidence. In the benchmarks' answers to
    the ViNewsQA dev forms and the gold ``test`` split, the two so caught were both wrong."""
    if question.kind != "how_many" or candidate.span is None:
        return True
    text = candidate.answer_text
    return bool(count_words(text) or _ROMAN_NUMERAL_RE.search(text))


def compose_answer(
    question: Question, passages: Sequence[Passage], candidates: Sequence[Candidate], *, calibration: Calibration,
    k: int, notes: tuple[str, ...] = (), settings: ComposeSettings = ComposeSettings(),
) -> Answer:
    if not candidates:
        citations = _ordered_citations([], passages, [], k)
        return Answer(question.text, "", "", True, 0.0, citations, question.kind, question.language, notes=notes,
                      trust="not_found")
    leaders = best_per_article(candidates)
    best = leaders[0]
    confidence = calibration.probability(best.features)
    fits = answers_its_kind(question, best)
    trust = calibration.trust(best.features) if fits else "not_found"
    notes = notes if fits else (*notes, NO_NUMBER_NOTE)
    abstained = trust == "not_found"
    # An abstention points at the best sentence, or, when the question names a time, at the
    # article of that time before a better-scored one of another date, as an answer would.
    group = disagreeing(question, leaders, settings=settings) if question.times or not abstained else []
    lead = group or [best]
    head = lead[0]
    alternatives = () if abstained else tuple(
        Alternative(c.answer_text, str(c.passage.article.date) if c.passage.article.date else None, i)
        for i, c in enumerate(lead[1:], start=2)
    )
    return Answer(
        question=question.text,
        text="" if abstained else head.answer_text,
        sentence=head.text,
        abstained=abstained,
        confidence=round(confidence, 4),
        citations=_ordered_citations(lead, passages, leaders, k),
        question_type=question.kind,
        language=question.language,
        resolved_date=None if abstained or head.span is None else head.span.resolved,
        alternatives=alternatives,
        notes=notes,
        trust=trust,
    )
