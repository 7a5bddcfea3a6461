"""The sources of one answer as cards: the passages it cites first, the other passages after.

Highlights come from the stored offsets (``highlight``); every text from an article is
escaped. The same cards appear in the side panel (wide screens) and under the answer itself
(phones); ``place`` keeps their element ids apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from qa.answer.types import Answer, Citation
from qa.ingest.corpus import Article
from qa.web.escape import esc
from qa.web.highlight import Mark, citation_marks, highlight


def card_id(place: str, turn: int, number: int) -> str:
    """Unique per place and turn, so the markers of an earlier answer still reach their own cards."""
    return f"qa-{place}-{turn}-{number}"


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


def cited_numbers(answer: Answer) -> frozenset[int]:
    """The passages an answer rests on: its own and those of the other dates' answers."""
    if answer.abstained or not answer.citations:
        return frozenset()
    return frozenset({answer.citations[0].number, *(a.citation for a in answer.alternatives)})


_FILE_SUFFIXES = (".txt", ".jsonl", ".json", ".gz", ".html", ".htm")


def outlet(source: str) -> str:
    """The outlet as stored; a file's path or name means nothing to a reader, so none is shown."""
    if re.match(r"https?://", source):
        return re.sub(r"^https?://(www\.)?", "", source).split("/")[0]
    if "/" in source or "\\" in source or source.lower().endswith(_FILE_SUFFIXES):
        return ""
    return source


def file_name(source: str) -> str:
    """A file's name without the server's folder it sat in; an outlet or address as it is."""
    return re.split(r"[/\\]", source)[-1] if not re.match(r"https?://", source) else source


def headline(citation: Citation, article: Article | None) -> str:
    """The article's own headline; an article without one is named by its outlet and date,
    not by a cut-off opening sentence."""
    if article is None or not article.title_derived:
        return citation.title
    named = " · ".join(part for part in (outlet(citation.source), vi_date(citation.date) if citation.date else "") if part)
    return f"Bài {named}" if named else "Bài không có tiêu đề (untitled article)"


def _meta(citation: Citation) -> str:
    day = vi_date(citation.date) if citation.date else "không rõ ngày (undated)"
    parts = [esc(day[:1].upper() + day[1:])]
    if outlet(citation.source):
        parts.append(esc(outlet(citation.source)))
    if citation.url and re.match(r"https?://", citation.url):  # never a javascript: or data: link
        parts.append(f'<a href="{esc(citation.url)}" target="_blank" rel="noopener noreferrer">bài gốc (original)</a>')
    return " · ".join(parts)


def _full_article(citation: Citation, article: Article | None, collection: str, marks: tuple[Mark, ...]) -> str:
    """Fetched when opened (the page's script asks ``WebApp.full_article``): a conversation
    carrying every cited article whole would weigh megabytes."""
    if article is None:
        return '<p class="qa-muted">Bài không còn trong bộ sưu tập (article no longer in the collection).</p>'
    spans = json.dumps([[m.start, m.end] for m in marks])
    return (f'<details class="qa-full" data-collection="{esc(collection)}" data-doc="{esc(citation.doc_id)}" '
            f'data-marks="{esc(spans)}"><summary>Xem toàn bài (full article)</summary>'
            '<div class="qa-article">Đang tải… (loading…)</div></details>')


def source_card(citation: Citation, article: Article | None, *, collection: str, place: str, turn: int,
                cited: bool) -> str:
    """A cited card marks its sentence and answer; a related one shows its passage plainly."""
    marks = citation_marks(citation) if cited else ()
    before = "… " if citation.start > 0 else ""
    after = " …" if article is not None and citation.end < len(article.text) else ""
    where = f"{file_name(citation.source)} · ký tự (chars) {citation.start}–{citation.end}".lstrip(" ·")
    return (f'<article class="qa-source" id="{card_id(place, turn, citation.number)}" data-num="{citation.number}" '
            f'title="{esc(where)}"><div class="qa-source-head"><span class="qa-num">[{citation.number}]</span> '
            f'<span class="qa-title">{esc(headline(citation, article))}</span></div>'
            f'<div class="qa-meta">{_meta(citation)}</div>'
            f'<div class="qa-passage">{before}{highlight(citation.passage, citation.start, marks)}{after}</div>'
            f"{_full_article(citation, article, collection, marks)}</article>")


_LEGEND = ('<div class="qa-legend"><mark class="qa-sentence">câu dẫn chứng (supporting sentence)</mark> '
           '<mark class="qa-sentence"><mark class="qa-answer">câu trả lời (answer)</mark></mark></div>')


def source_cards(answer: Answer, articles: Mapping[str, Article], *, collection: str, place: str, turn: int) -> str:
    """"Nguồn" for the cited passages, "Liên quan" (or "closest" when nothing was found) for the rest."""
    cited = cited_numbers(answer)
    main = [c for c in answer.citations if c.number in cited]
    rest = [c for c in answer.citations if c.number not in cited]
    parts = []
    if main:
        parts.append(f'<h4 class="qa-group">Nguồn (sources)</h4>{_LEGEND}')
        parts += [source_card(c, articles.get(c.doc_id), collection=collection, place=place, turn=turn,
                               cited=True) for c in main]
    if rest:
        label = "Liên quan (related)" if main else "Đoạn gần nhất (closest passages)"
        parts.append(f'<h4 class="qa-group">{label}</h4>')
        parts += [source_card(c, articles.get(c.doc_id), collection=collection, place=place, turn=turn,
                               cited=False) for c in rest]
    if not answer.citations:
        parts.append('<p class="qa-muted">Không có đoạn nào phù hợp (no matching passages).</p>')
    return "".join(parts)


def sources_panel(turns: Sequence[tuple[Answer, str, str]], articles_of: Sequence[Mapping[str, Article]]) -> str:
    """Every turn's sources, the last one shown: a marker of an earlier answer shows its own."""
    if not turns:
        return empty_sources_html()
    blocks = []
    for number, ((answer, question, collection), articles) in enumerate(zip(turns, articles_of)):
        hidden = "" if number == len(turns) - 1 else " hidden"
        blocks.append(f'<div class="qa-panel-turn" data-turn="{number}"{hidden}>'
                      f'<div class="qa-sources-head">Nguồn cho câu hỏi (sources for): <q>{esc(question)}</q></div>'
                      f'{source_cards(answer, articles, collection=collection, place="panel", turn=number)}</div>')
    return f'<div class="qa-sources">{"".join(blocks)}</div>'


def empty_sources_html() -> str:
    return ('<div class="qa-sources qa-empty"><p>Các nguồn trích dẫn sẽ hiện ở đây sau khi bạn đặt câu hỏi.</p>'
            '<p class="qa-muted">Sources appear here once you ask a question.</p></div>')
