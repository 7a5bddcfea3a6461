"""The conversation as the page shows it: each question, its answer, proof, markers and sources.

What an answer says comes from ``answer_lines``, the same lines ``Answer.markdown()`` lays out,
so the wording lives in one place. This module adds what a page needs: a plain trust label,
citation markers that preview their sentence on hover or tap, rating buttons, and the answer's
sources right under it for narrow screens. Every text from an article or a question is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from qa.answer.render import CLOSEST, CONFIDENCE, DISAGREE, NOT_FOUND_EN, NOT_FOUND_VI, AnswerLines, answer_lines
from qa.answer.types import Answer, Citation
from qa.ingest.corpus import Article
from qa.web.cards import headline, source_cards, vi_date
from qa.web.escape import esc
from qa.web.history import Turn

PREVIEW_CHARS = 280


def _cited_sentence(citation: Citation) -> str:
    """The proof a marker previews: the supporting sentence, or the passage's opening."""
    if citation.sentence_end > citation.sentence_start:
        text = citation.passage[citation.sentence_start - citation.start : citation.sentence_end - citation.start]
    else:
        text = citation.passage
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rsplit(" ", 1)[0] + " …"


def marker(citation: Citation, article: Article | None, *, turn: int) -> str:
    """[n]: a button large enough to tap; hover or tap shows the sentence, title and date."""
    title = headline(citation, article)
    day = vi_date(citation.date) if citation.date else "không rõ ngày (undated)"
    return (f'<span class="qa-cite-wrap"><button type="button" class="qa-cite" data-turn="{turn}" '
            f'data-num="{citation.number}" aria-expanded="false" '
            f'aria-label="Nguồn {citation.number} (source {citation.number}): {esc(title)}">[{citation.number}]</button>'
            f'<span class="qa-preview" role="tooltip"><span class="qa-preview-title">{esc(title)}</span>'
            f'<span class="qa-preview-date">{esc(day)}</span>'
            f'<span class="qa-preview-text">{esc(_cited_sentence(citation))}</span>'
            f'<button type="button" class="qa-open-source" data-turn="{turn}" data-num="{citation.number}">'
            "Xem nguồn (show source)</button></span></span>")


def _markers(answer: Answer, numbers: Sequence[int], articles: Mapping[str, Article], *, turn: int) -> str:
    by_number = {c.number: c for c in answer.citations}
    return " ".join(marker(by_number[n], articles.get(by_number[n].doc_id), turn=turn) for n in numbers if n in by_number)


def _trust_badge(view: AnswerLines) -> str:
    """The plain label; the percentage only as its tooltip: beside "not sure", a bare "81%"
    read as a promise it is not (it is the chance that the articles hold an answer at all)."""
    return (f'<span class="qa-trust qa-trust-{esc(view.trust)}" title="{esc(CONFIDENCE)}: {esc(view.confidence)}">'
            f"{esc(view.label)}</span>")


def _found(view: AnswerLines, answer: Answer, articles: Mapping[str, Article], turn: int) -> list[str]:
    """The answer: a fact when "answered"; after "possibly" and in a lighter face when "unsure"."""
    hedge = f'<span class="qa-possibly">{esc(view.hedge)} </span>' if view.hedge else ""
    if view.by_date:  # newest first, as answer_lines gives them
        items = "".join(f'<li>Bài {esc(vi_date(d.date))}: <strong class="qa-answer-text">{esc(d.text)}</strong> '
                        f"{_markers(answer, [d.citation], articles, turn=turn)}</li>" for d in view.by_date)
        lines = [f'<p class="qa-disagree">{hedge}{esc(DISAGREE)}</p><ul class="qa-by-date">{items}</ul>']
    else:
        resolved = f' <span class="qa-resolved">({esc(vi_date(view.resolved_date))})</span>' if view.resolved_date else ""
        lines = [f'<p class="qa-answer-line">{hedge}<strong class="qa-answer-text">{esc(view.text)}</strong>{resolved} '
                 f"{_markers(answer, [1], articles, turn=turn)}</p>"]
    if view.sentence.strip() and view.sentence.strip() != view.text.strip():
        lines.append(f'<blockquote class="qa-proof">{esc(view.sentence)}</blockquote>')
    return lines


def _feedback_payload(turn: Turn) -> str:
    """What a rating records (``qa.eval.feedback``), carried by the answer for the rating buttons."""
    answer = turn.answer
    lead = answer.citations[0].doc_id if answer.citations and not answer.abstained else None
    return json.dumps({"collection": turn.index, "question": turn.question, "asked": turn.resolution.question,
                       "answer": answer.text, "sentence": answer.sentence, "abstained": answer.abstained,
                       "trust": answer.trust, "confidence": answer.confidence, "doc_id": lead}, ensure_ascii=False)


_FEEDBACK = ('<div class="qa-feedback" role="group" aria-label="Đánh giá câu trả lời (rate this answer)">'
             '<button type="button" class="qa-fb" data-rating="up" aria-label="Câu trả lời đúng (good answer)">👍 Đúng</button>'
             '<button type="button" class="qa-fb" data-rating="down" aria-label="Câu trả lời sai (bad answer)">👎 Sai</button>'
             '<span class="qa-fb-done" aria-live="polite"></span>'
             '<span class="qa-fb-note" hidden><input type="text" maxlength="500" '
             'aria-label="Ghi chú (note, optional)" placeholder="Ghi chú, tuỳ chọn (note, optional)">'
             '<button type="button" class="qa-fb-send">Gửi (send)</button></span></div>')


def render_turn(turn: Turn, articles: Mapping[str, Article], *, number: int) -> str:
    """One question and its answer, with the answer's sources folded under it."""
    answer, view = turn.answer, answer_lines(turn.answer)
    body = []
    if turn.resolution.rewritten:
        body.append(f'<p class="qa-understood">(hiểu là / understood as: {esc(turn.resolution.question)})</p>')
    body.append(f'<div class="qa-answer-head">{_trust_badge(view)}</div>')
    if view.found:
        body += _found(view, answer, articles, number)
    else:
        body.append(f'<p class="qa-not-found"><strong>{esc(NOT_FOUND_VI)}</strong> ({esc(NOT_FOUND_EN)})</p>')
    if view.closest:
        body.append(f'<p class="qa-closest">{esc(CLOSEST)} '
                    f"{_markers(answer, [c.number for c in answer.citations], articles, turn=number)}</p>")
    body += [f'<p class="qa-note">{esc(note)}</p>' for note in answer.notes]
    body.append(_FEEDBACK)
    count = len(answer.citations)
    body.append(f'<details class="qa-inline-sources"><summary>Nguồn của câu trả lời này ({count}) '
                f"(sources of this answer)</summary>{source_cards(answer, articles, collection=turn.index, place='inline', turn=number)}</details>")
    return (f'<section class="qa-turn" id="qa-turn-{number}" data-turn="{number}">'
            f'<div class="qa-question"><span class="qa-who">Bạn hỏi (you asked)</span> {esc(turn.question)}</div>'
            f'<div class="qa-reply" data-feedback="{esc(_feedback_payload(turn))}">{"".join(body)}</div></section>')


def render_conversation(turns: Sequence[Turn], articles_of: Sequence[Mapping[str, Article]]) -> str:
    if not turns:
        return ('<div class="qa-conversation qa-empty-chat"><p>Đặt câu hỏi về các bài báo trong bộ sưu tập, bằng tiếng Việt '
                '(có hoặc không dấu) hoặc tiếng Anh.</p><p class="qa-muted">Ask about the articles of the collection, '
                "in Vietnamese (with or without diacritics) or in English.</p></div>")
    blocks = "".join(render_turn(turn, articles, number=n) for n, (turn, articles) in enumerate(zip(turns, articles_of)))
    return f'<div class="qa-conversation" aria-live="polite">{blocks}</div>'
