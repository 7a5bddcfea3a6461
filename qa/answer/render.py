"""Text of an answer for people: the one place that words it, for Markdown and the page.

``answer_lines`` says what is shown (the trust label first, the headline, the answers of other
dates, the proof, whether the closest passages are offered); ``render_markdown`` and the
page's HTML both lay out those same lines. An "unsure" answer is worded as a possibility next
to the closest passages, never as a fact; the percentage comes last, as a detail.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.types import Answer, Trust

TRUST_WORDS: dict[str, str] = {
    "answered": "Trả lời (answered)",
    "unsure": "Chưa chắc chắn (not sure)",
    "not_found": "Không tìm thấy (not found)",
}
POSSIBLY = "Có thể là (possibly):"
NOT_FOUND_VI = "Không tìm thấy thông tin trả lời câu hỏi này trong các bài báo."
NOT_FOUND_EN = "No answer found in the articles."
DISAGREE = "Các bài báo trả lời khác nhau (articles disagree):"
CLOSEST = "Đoạn gần nhất / closest passages:"
NEWEST = "mới nhất / newest"
CONFIDENCE = "Khả năng bài báo có câu trả lời (chance the articles hold an answer)"


@dataclass(frozen=True)
class DatedAnswer:
    date: str | None
    text: str
    citation: int
    newest: bool


@dataclass(frozen=True)
class AnswerLines:
    trust: Trust
    label: str  # the trust label in words, shown before anything else
    found: bool  # an answer is shown: as a fact when "answered", as a possibility when "unsure"
    hedge: str  # put before an unsure answer ("Có thể là (possibly):"), else ""
    text: str
    resolved_date: str | None  # shown only where the answer does not already say it
    by_date: tuple[DatedAnswer, ...]  # empty unless articles of different dates disagree
    sentence: str  # the proof, when it says more than the answer
    closest: bool  # offer the cited passages as the closest ones: the answer is not to be taken as it is
    confidence: str  # "56%", secondary


def answer_lines(answer: Answer) -> AnswerLines:
    label, confidence = TRUST_WORDS[answer.trust], f"{answer.confidence:.0%}"
    offer_closest = answer.trust != "answered" and bool(answer.citations)
    if answer.abstained:
        return AnswerLines(answer.trust, label, False, "", "", None, (), "", offer_closest, confidence)
    resolved = answer.resolved_date if answer.resolved_date and answer.resolved_date not in answer.text else None
    by_date = ()
    if answer.alternatives:
        dated = [(answer.citations[0].date, answer.text, 1), *((a.date, a.text, a.citation) for a in answer.alternatives)]
        newest = max((d for d, _, _ in dated if d), default=None)  # the lead is not always the newest: a named time leads
        by_date = tuple(DatedAnswer(d, text, number, d is not None and d == newest) for d, text, number in dated)
    hedge = POSSIBLY if answer.trust == "unsure" else ""
    # A sentence that is the whole answer (the reader found no shorter span) is not shown twice.
    sentence = "" if answer.sentence == answer.text else answer.sentence
    return AnswerLines(answer.trust, label, True, hedge, answer.text, resolved, by_date, sentence, offer_closest, confidence)


def _headline(view: AnswerLines) -> list[str]:
    """The answer itself: bold when it is given as a fact, plain when it is only a possibility."""
    bold = "" if view.hedge else "**"
    lead = [view.hedge] if view.hedge else []
    if view.by_date:
        lines = [*lead, DISAGREE]
        for dated in view.by_date:
            newest = f" ({NEWEST})" if dated.newest else ""
            lines.append(f"- Bài ngày {dated.date}: {bold}{dated.text}{bold} [{dated.citation}]{newest}")
        return lines
    resolved = f" ({view.resolved_date})" if view.resolved_date else ""
    return [" ".join([*lead, f"{bold}{view.text}{bold}{resolved} [1]"])]


def render_markdown(answer: Answer) -> str:
    view = answer_lines(answer)
    lines = [f"**{view.label}**", ""]
    lines += _headline(view) if view.found else [f"{NOT_FOUND_VI} ({NOT_FOUND_EN})"]
    if view.sentence:
        lines.append(f"\n> {view.sentence} [1]")
    lines.append(f"\n_{CONFIDENCE}: {view.confidence}_")
    if view.closest:
        lines.append(f"\n{CLOSEST}")
    lines.append("")
    for citation in answer.citations:
        date = f", {citation.date}" if citation.date else ""
        lines.append(f"[{citation.number}] {citation.title} ({citation.source}{date}), ký tự {citation.start}–{citation.end}")
    return "\n".join(lines)
