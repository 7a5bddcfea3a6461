"""Text of an answer for people: the one place that words it, for Markdown and the page.

``answer_lines`` says what is shown (the headline, the answers of other dates, the proof);
``render_markdown`` and the page's HTML both lay out those same lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.types import Answer

NOT_FOUND_VI = "Không tìm thấy thông tin trả lời câu hỏi này trong các bài báo."
NOT_FOUND_EN = "No answer found in the articles."
DISAGREE = "Các bài báo trả lời khác nhau (articles disagree):"
CLOSEST = "Đoạn gần nhất / closest passages:"
NEWEST = "mới nhất / newest"


@dataclass(frozen=True)
class DatedAnswer:
    date: str | None
    text: str
    citation: int
    newest: bool


@dataclass(frozen=True)
class AnswerLines:
    found: bool
    text: str
    resolved_date: str | None  # shown only where the answer does not already say it
    by_date: tuple[DatedAnswer, ...]  # empty unless articles of different dates disagree
    sentence: str  # the proof, when it says more than the answer


def answer_lines(answer: Answer) -> AnswerLines:
    if answer.abstained:
        return AnswerLines(False, "", None, (), "")
    resolved = answer.resolved_date if answer.resolved_date and answer.resolved_date not in answer.text else None
    by_date = ()
    if answer.alternatives:
        dated = [(answer.citations[0].date, answer.text, 1), *((a.date, a.text, a.citation) for a in answer.alternatives)]
        newest = max((d for d, _, _ in dated if d), default=None)  # the lead is not always the newest: a named time leads
        by_date = tuple(DatedAnswer(d, text, number, d is not None and d == newest) for d, text, number in dated)
    # A sentence that is the whole answer (the reader found no shorter span) is not shown twice.
    return AnswerLines(True, answer.text, resolved, by_date, "" if answer.sentence == answer.text else answer.sentence)


def render_markdown(answer: Answer) -> str:
    view = answer_lines(answer)
    lines = []
    if not view.found:
        lines.append(f"{NOT_FOUND_VI} ({NOT_FOUND_EN})")
        if answer.citations:
            lines.append(f"\n{CLOSEST}")
    elif view.by_date:
        lines.append(DISAGREE)
        for dated in view.by_date:
            newest = f" ({NEWEST})" if dated.newest else ""
            lines.append(f"- Bài ngày {dated.date}: **{dated.text}** [{dated.citation}]{newest}")
    else:
        resolved = f" ({view.resolved_date})" if view.resolved_date else ""
        lines.append(f"**{view.text}**{resolved} [1]")
    if view.sentence:
        lines.append(f"\n> {view.sentence} [1]")
    lines.append("")
    for citation in answer.citations:
        date = f", {citation.date}" if citation.date else ""
        lines.append(f"[{citation.number}] {citation.title} ({citation.source}{date}), ký tự {citation.start}–{citation.end}")
    return "\n".join(lines)
