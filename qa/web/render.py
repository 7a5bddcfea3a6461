"""An answer as the page shows it: the chat message (Markdown) and its sources panel (HTML).

What an answer says comes from ``answer_lines``, the same lines ``Answer.markdown()`` lays out,
so the wording lives in one place. This module adds only what a page needs: markers [1] [2]
that jump to the sources panel, dates written the Vietnamese way, cited passages highlighted
by their offsets, and every text from an article or a question escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from qa.answer.followup import Resolution
from qa.answer.render import CLOSEST, DISAGREE, NOT_FOUND_EN, NOT_FOUND_VI, AnswerLines, answer_lines
from qa.answer.types import Answer, Citation
from qa.ingest.corpus import Article
from qa.web.escape import esc, md_text
from qa.web.highlight import Mark, citation_marks, highlight


def anchor_id(turn: int, number: int) -> str:
    """Unique per turn, so the markers of an earlier answer still reach their own cards."""
    return f"qa-src-{turn}-{number}"


def cite(turn: int, number: int) -> str:
    """A citation marker that jumps to its card in the sources panel."""
    return f"[\\[{number}\\]](#{anchor_id(turn, number)})"


def vi_date(value: str | None) -> str:
    """An ISO date at its own precision: "ngày 28/12/2022", "tháng 12/2022", "năm 2022".

    A month-precise article date must not be shown as a made-up day.
    """
    parts = [int(p) for p in re.findall(r"\d+", value or "")]
    if len(parts) >= 3:
        return f"ngày {parts[2]:02d}/{parts[1]:02d}/{parts[0]}"
    if len(parts) == 2:
        return f"tháng {parts[1]}/{parts[0]}"
    return f"năm {parts[0]}" if parts else "không rõ ngày"


# --- the chat message ------------------------------------------------------------------------


def _found_lines(view: AnswerLines, turn: int) -> list[str]:
    if view.by_date:  # newest first, as answer_lines gives them
        lines = [DISAGREE] + [f"- Bài {md_text(vi_date(dated.date))}: **{md_text(dated.text)}** {cite(turn, dated.citation)}"
                              for dated in view.by_date]
    else:
        resolved = f" ({md_text(vi_date(view.resolved_date))})" if view.resolved_date else ""
        lines = [f"**{md_text(view.text)}**{resolved} {cite(turn, 1)}"]
    if view.sentence.strip() and view.sentence.strip() != view.text.strip():  # no span fits: the text is the sentence
        lines.append(f"> {md_text(view.sentence)} {cite(turn, 1)}")
    return lines


def render_answer(answer: Answer, *, turn: int, resolution: Resolution | None = None) -> str:
    """The assistant's chat message for one answer, in Markdown with every text escaped."""
    view = answer_lines(answer)
    markers = " ".join(cite(turn, c.number) for c in answer.citations)
    lines = []
    if resolution is not None and resolution.rewritten:
        lines.append(f"_(hiểu là: {md_text(resolution.question)})_")
    if view.found:
        lines += _found_lines(view, turn)
    else:
        lines.append(f"**{NOT_FOUND_VI}** ({NOT_FOUND_EN})")
        if answer.citations:
            lines.append(f"{CLOSEST} {markers}")
    footer = [f"Độ tin cậy (confidence): {answer.confidence:.0%}"]
    if len(answer.citations) > 1 and view.found:
        footer.append(f"Nguồn (sources): {markers}")
    lines.append(" · ".join(footer))
    lines += [f"_{md_text(note)}_" for note in answer.notes]
    return "\n\n".join(lines)


# --- the sources panel -----------------------------------------------------------------------

_LEGEND = ('<div class="qa-legend"><mark class="qa-sentence">câu dẫn chứng (supporting sentence)</mark> '
           '<mark class="qa-sentence"><mark class="qa-answer">câu trả lời (answer)</mark></mark></div>')


def empty_sources_html() -> str:
    return ('<div class="qa-sources qa-empty"><p>Các nguồn trích dẫn sẽ hiện ở đây sau khi bạn đặt câu hỏi.</p>'
            '<p class="qa-muted">Sources appear here once you ask a question.</p></div>')


def _outlet(source: str) -> str:
    """The outlet as stored, or the file's name: a server's folder means nothing to a reader."""
    if re.match(r"https?://", source) or ("/" not in source and "\\" not in source):
        return source
    return f"tệp (file) {Path(source.replace(chr(92), '/')).name}"


def _meta(citation: Citation) -> str:
    day = vi_date(citation.date) if citation.date else "không rõ ngày (undated)"
    parts = [esc(day[:1].upper() + day[1:])]
    if citation.source:
        parts.append(esc(_outlet(citation.source)))
    if citation.url and re.match(r"https?://", citation.url):  # never a javascript: or data: link
        parts.append(f'<a href="{esc(citation.url)}" target="_blank" rel="noopener noreferrer">bài gốc (original)</a>')
    parts.append(f"ký tự (chars) {citation.start}–{citation.end}")
    return " · ".join(parts)


def _full_article(article: Article | None, marks: tuple[Mark, ...]) -> str:
    if article is None:
        return '<p class="qa-muted">Bài không còn trong chỉ mục (article no longer in the index).</p>'
    return ('<details class="qa-full"><summary>Xem toàn bài / full article</summary>'
            f'<div class="qa-article">{highlight(article.text, 0, marks)}</div></details>')


def _source_card(citation: Citation, article: Article | None, turn: int) -> str:
    marks = citation_marks(citation)
    before = "… " if citation.start > 0 else ""
    after = " …" if article is not None and citation.end < len(article.text) else ""
    return (f'<article class="qa-source" id="{anchor_id(turn, citation.number)}">'
            f'<div class="qa-source-head"><span class="qa-num">[{citation.number}]</span> '
            f'<span class="qa-title">{esc(citation.title)}</span></div>'
            f'<div class="qa-meta">{_meta(citation)}</div>'
            f'<div class="qa-passage">{before}{highlight(citation.passage, citation.start, marks)}{after}</div>'
            f"{_full_article(article, marks)}</article>")


def render_sources(answer: Answer, articles: Mapping[str, Article], *, turn: int, question: str | None = None) -> str:
    """The sources panel for one answer: a card per citation, in citation order."""
    head = f'<div class="qa-sources-head">Nguồn cho câu hỏi (sources for): <q>{esc(question or answer.question)}</q></div>'
    note = ""
    if not answer_lines(answer).found:
        closest = f" {esc(CLOSEST)}" if answer.citations else ""
        note = f'<p class="qa-note">{esc(NOT_FOUND_VI)}{closest}</p>'
    if not answer.citations:
        note += '<p class="qa-muted">Không có đoạn nào phù hợp (no matching passages).</p>'
    cards = "".join(_source_card(c, articles.get(c.doc_id), turn) for c in answer.citations)
    return f'<div class="qa-sources">{head}{note}{_LEGEND if answer.citations else ""}{cards}</div>'
