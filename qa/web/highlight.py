"""Highlights placed by the stored character offsets, never by searching the text: the same
words may occur earlier in the article, and only the cited occurrence is the proof."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer.types import Citation
from qa.web.escape import esc


@dataclass(frozen=True)
class Mark:
    start: int  # offsets into the article's stored text
    end: int
    css: str


def citation_marks(citation: Citation) -> tuple[Mark, ...]:
    """The supporting sentence and, inside it, the answer span of one citation."""
    marks = []
    if citation.sentence_end > citation.sentence_start:
        marks.append(Mark(citation.sentence_start, citation.sentence_end, "qa-sentence"))
    if citation.answer_start is not None and citation.answer_end is not None and citation.answer_end > citation.answer_start:
        marks.append(Mark(citation.answer_start, citation.answer_end, "qa-answer"))
    return tuple(marks)


def highlight(text: str, base: int, marks: Sequence[Mark]) -> str:
    """``text`` (the article from offset ``base`` on) escaped, with ``<mark>`` around each span.

    A span inside another nests in it; one that crosses the end of another is cut there, so
    the HTML stays well formed whatever offsets arrive.
    """
    spans = sorted(((max(m.start - base, 0), min(m.end - base, len(text)), m.css) for m in marks),
                   key=lambda span: (span[0], -span[1]))
    out, position, open_ends = [], 0, []
    for start, end, css in spans:
        while open_ends and open_ends[-1] <= start:
            out.append(esc(text[position : open_ends[-1]]) + "</mark>")
            position = open_ends.pop()
        end = min(end, open_ends[-1]) if open_ends else end
        if start >= end:
            continue
        out.append(esc(text[position:start]) + f'<mark class="{css}">')
        position = start
        open_ends.append(end)
    while open_ends:
        out.append(esc(text[position : open_ends[-1]]) + "</mark>")
        position = open_ends.pop()
    out.append(esc(text[position:]))
    return "".join(out)
