"""The web page: a chat of cited answers beside a sources panel, and an API for programs.

Every answer in the chat shows the short answer in bold, the resolved date, the supporting
sentence and numbered markers [1] [2] that link to the sources panel. The panel shows each
cited passage with the supporting sentence and the answer highlighted, and the whole article
on demand. Highlights are placed by the stored character offsets, never by searching the text.

Everything that comes from an article or a question is escaped before it becomes HTML or
Markdown, so an article holding ``<script>`` shows it as text.

Answering only reads an assistant, so several questions run at once (the embedding model,
whose tokenizer is not thread-safe, takes them one at a time). Adding articles replaces the
assistant of that index; a read/write lock keeps it from running while answers are computed.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr

from qa.answer.render import NOT_FOUND_VI
from qa.answer.types import Answer, Citation
from qa.assistant import Assistant, default_assistant
from qa.ingest.corpus import Article, LoadResult, load_articles
from qa.errors import (DuplicateArticleError, IndexCorruptError, IndexNotFoundError, InputError, ModelMismatchError,
                     QAError)
from qa.answer.followup import PreviousTurn, Resolution, resolve
from qa.index.corpus_index import CorpusIndex, UpdateReport, add_to_index, index_exists
from qa.paths import indexes_dir
from qa.sample import SAMPLE_INDEX_NAME

LOG = logging.getLogger(__name__)

TITLE = "Hỏi đáp tin tức có trích dẫn"
DEFAULT_K = 5
MAX_K = 10
MAX_UPLOAD_MB = 10
UPLOAD_SUFFIXES = (".txt", ".jsonl")
ANSWER_CONCURRENCY = 4  # retrieval and ranking run in parallel; embedding calls are serialised
EXAMPLES = (
    "Ai chủ trì hội nghị tổng kết công tác năm 2022?",
    "Cuộc gặp mặt diễn ra khi nào?",
    "Hội nghị tổng kết được tổ chức ở đâu?",
    "Cục Truyền thông CAND hợp tác với bao nhiêu cơ quan báo chí?",
    "Cục mở rộng hợp tác với những cơ quan báo chí nào?",
    "Who chaired the meeting with the eight press agencies?",
    "ai chu tri hoi nghi tong ket nam 2022",
)


class InputProblem(ValueError):
    """Something the user typed or uploaded cannot be used; the message says what to do."""


# --- escaping ------------------------------------------------------------------------------

# HTML specials and the characters that make Markdown markup anywhere in a line (emphasis, links,
# images, code, tables, LaTeX), as numeric references: Markdown shows them as plain characters.
_MARKDOWN_TEXT = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#|~$@"}
_LINE_START = re.compile(r"^(?:[-+=]|\d+[.)])")  # list and heading markers that only count first


def esc(text: object) -> str:
    """Text for HTML, quotes included (safe inside attribute values too)."""
    return html.escape(str(text), quote=True)


def md_text(text: object) -> str:
    """Text for a Markdown message: shown exactly as typed, never as markup, on one line."""
    line = " ".join(str(text).split()).translate(_MARKDOWN_TEXT)
    line = _LINE_START.sub(lambda m: m.group()[:-1] + f"&#{ord(m.group()[-1])};", line)
    line = line.replace("://", "&#58;//")  # no bare-URL autolinks
    return re.sub(r"(?i)\b(www)\.", r"\1&#46;", line)


# --- highlights by offsets -------------------------------------------------------------------


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

    A span inside another nests in it; one that crosses the end of another is cut there.
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


# --- the chat message ------------------------------------------------------------------------


def anchor_id(turn: int, number: int) -> str:
    return f"qa-src-{turn}-{number}"


def cite(turn: int, number: int) -> str:
    """A citation marker that jumps to its card in the sources panel."""
    return f"[\\[{number}\\]](#{anchor_id(turn, number)})"


def vi_date(value: str | None) -> str:
    """An ISO date at its own precision, the Vietnamese way: "ngày 28/12/2022", "tháng 12/2022", "năm 2022"."""
    parts = [int(p) for p in re.findall(r"\d+", value or "")]
    if len(parts) >= 3:
        return f"ngày {parts[2]:02d}/{parts[1]:02d}/{parts[0]}"
    if len(parts) == 2:
        return f"tháng {parts[1]}/{parts[0]}"
    return f"năm {parts[0]}" if parts else "không rõ ngày"


def _date_key(value: str | None) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", value)) if value else ()


def _answer_lines(answer: Answer, turn: int) -> list[str]:
    resolved = answer.resolved_date
    date_note = f" ({md_text(vi_date(resolved))})" if resolved and resolved not in answer.text else ""
    lines = [f"**{md_text(answer.text)}**{date_note} {cite(turn, 1)}"] if answer.text.strip() else []
    if answer.sentence and answer.sentence.strip() != answer.text.strip():
        lines.append(f"> {md_text(answer.sentence)} {cite(turn, 1)}")
    return lines


def _disagreement_lines(answer: Answer, turn: int) -> list[str]:
    """Articles of different dates give different answers: each with its date, newest first."""
    first_date = answer.citations[0].date if answer.citations else None
    items = [(answer.text, first_date, 1)] + [(a.text, a.date, a.citation) for a in answer.alternatives]
    items.sort(key=lambda item: _date_key(item[1]), reverse=True)
    lines = ["Các bài báo trả lời khác nhau, mới nhất trước (articles disagree, newest first):"]
    for text, day, number in items:
        lines.append(f"- **{md_text(text)}** — bài {md_text(vi_date(day))} {cite(turn, number)}")
    if answer.sentence:
        lines.append(f"> {md_text(answer.sentence)} {cite(turn, 1)}")
    return lines


def _abstain_lines(answer: Answer, turn: int) -> list[str]:
    lines = [f"**{NOT_FOUND_VI}** (No answer found in the articles.)"]
    if answer.citations:
        markers = " ".join(cite(turn, c.number) for c in answer.citations)
        lines.append(f"Các đoạn gần nhất (closest passages): {markers}")
    return lines


def render_answer(answer: Answer, *, turn: int, resolution: Resolution | None = None) -> str:
    """The assistant's chat message for one answer, in Markdown with every text escaped."""
    lines = []
    if resolution is not None and resolution.rewritten:
        lines.append(f"_(hiểu là: {md_text(resolution.question)})_")
    if answer.abstained:
        lines += _abstain_lines(answer, turn)
    elif answer.alternatives:
        lines += _disagreement_lines(answer, turn)
    else:
        lines += _answer_lines(answer, turn)
    footer = [f"Độ tin cậy (confidence): {answer.confidence:.0%}"]
    if len(answer.citations) > 1 and not answer.abstained:
        footer.append("Nguồn (sources): " + " ".join(cite(turn, c.number) for c in answer.citations))
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
    """The outlet as stored, or the file's name when the source is a file path."""
    if re.match(r"https?://", source) or ("/" not in source and "\\" not in source):
        return source
    return f"tệp (file) {Path(source.replace(chr(92), '/')).name}"


def _meta(citation: Citation) -> str:
    day = vi_date(citation.date) if citation.date else "không rõ ngày (undated)"
    parts = [esc(day[:1].upper() + day[1:])]
    if citation.source:
        parts.append(esc(_outlet(citation.source)))
    if citation.url and re.match(r"https?://", citation.url):
        parts.append(f'<a href="{esc(citation.url)}" target="_blank" rel="noopener noreferrer">bài gốc (original)</a>')
    parts.append(f"ký tự (chars) {citation.start}–{citation.end}")
    return " · ".join(parts)


def _full_article(article: Article | None, marks: Sequence[Mark]) -> str:
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
    if answer.abstained:
        note = f'<p class="qa-note">{esc(NOT_FOUND_VI)} Đây là các đoạn gần nhất (closest passages).</p>'
    if not answer.citations:
        note += '<p class="qa-muted">Không có đoạn nào phù hợp (no matching passages).</p>'
    cards = "".join(_source_card(c, articles.get(c.doc_id), turn) for c in answer.citations)
    return f'<div class="qa-sources">{head}{note}{_LEGEND if answer.citations else ""}{cards}</div>'


# --- inputs ----------------------------------------------------------------------------------

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str | None, label_vi: str, label_en: str) -> date | None:
    """A YYYY-MM-DD date typed into a box; empty means no limit."""
    value = str(text or "").strip()
    if not value:
        return None
    try:
        if not _DAY_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputProblem(f"“{label_vi}” không hợp lệ: “{value}”. Hãy nhập ngày theo dạng YYYY-MM-DD, "
                           f"ví dụ 2022-12-28 (the {label_en} date must be YYYY-MM-DD).") from None


def date_range(date_from: str | None, date_to: str | None) -> tuple[date | None, date | None]:
    start = parse_day(date_from, "Từ ngày", "“from”")
    end = parse_day(date_to, "Đến ngày", "“to”")
    if start and end and start > end:
        raise InputProblem("“Từ ngày” phải trước hoặc bằng “Đến ngày” (the “from” date is after the “to” date).")
    return start, end


def check_k(k: object) -> int:
    try:
        value = int(float(k))  # sliders send floats
    except (TypeError, ValueError, OverflowError):
        value = 0
    if not 1 <= value <= MAX_K:
        raise InputProblem(f"Số nguồn phải từ 1 đến {MAX_K} (the number of sources must be 1–{MAX_K}).")
    return value


def check_question(question: object) -> str:
    text = " ".join(str(question or "").split())
    if not text:
        raise InputProblem("Hãy nhập câu hỏi (please type a question).")
    return text


def available_indexes() -> list[str]:
    """Index names under ``indexes_dir()``; the sample one is listed even before it is built."""
    folder = indexes_dir()
    names = []
    if folder.is_dir():
        names = sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and (p / "manifest.json").is_file())
    return names if SAMPLE_INDEX_NAME in names else [SAMPLE_INDEX_NAME, *names]


def check_index_name(name: object) -> str:
    value = str(name or SAMPLE_INDEX_NAME)
    if value not in available_indexes():
        raise InputProblem(f"Không có chỉ mục “{value}” (no such index).")
    return value


# --- errors at the edge ----------------------------------------------------------------------

_VIETNAMESE_ERRORS: tuple[tuple[type[QAError], str], ...] = (
    (IndexNotFoundError, "Không tìm thấy chỉ mục"),
    (IndexCorruptError, "Chỉ mục bị hỏng, cần xây dựng lại"),
    (ModelMismatchError, "Chỉ mục được xây dựng bằng mô hình nhúng khác"),
    (InputError, "Không đọc được tệp"),
    (DuplicateArticleError, "Có hai bài báo trùng mã"),
    (QAError, "Không thực hiện được yêu cầu"),
)


def error_message(exc: Exception) -> str:
    """Vietnamese first, the error's own (English) text after; escaped, for the error pop-up."""
    if isinstance(exc, InputProblem):
        return esc(exc)
    prefix = next(vi for kind, vi in _VIETNAMESE_ERRORS if isinstance(exc, kind)) if isinstance(exc, QAError) else None
    if prefix is None:
        return "Đã xảy ra lỗi nội bộ; chi tiết đã được ghi vào nhật ký máy chủ (internal error, see the server log)."
    return f"{prefix} ({esc(exc)})"


@contextmanager
def user_errors(action: str) -> Iterator[None]:
    """Turn our errors into ``gr.Error`` with a readable message; log, never show, a traceback."""
    try:
        yield
    except gr.Error:
        raise
    except (InputProblem, QAError) as exc:
        LOG.warning("%s: %s", action, exc)
        raise gr.Error(error_message(exc), title="Lỗi (error)", print_exception=False) from None
    except Exception as exc:
        LOG.exception("%s failed", action)
        raise gr.Error(error_message(exc), title="Lỗi (error)", print_exception=False) from None


# --- assistants, shared and guarded ----------------------------------------------------------


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writer)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writer)
            self._writer = True
            self._condition.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._condition:
                self._writer = False
                self._condition.notify_all()


@dataclass(frozen=True)
class Opened:
    assistant: Assistant
    articles: Mapping[str, Article]  # by id, for the full-article view

    @classmethod
    def of(cls, assistant: Assistant) -> Opened:
        return cls(assistant, {a.id: a for a in assistant.index.articles})


class AssistantRegistry:
    """Assistants by index name: each opened once, then shared, behind its own read/write lock."""

    def __init__(self, opener: Callable[[str], Assistant] | None = None) -> None:
        self._opener = opener or self._open
        self._opened: dict[str, Opened] = {}
        self._locks: dict[str, ReadWriteLock] = {}
        self._guard = threading.Lock()

    def _open(self, name: str) -> Assistant:
        if name == SAMPLE_INDEX_NAME:
            return default_assistant(show_progress=True)  # builds the sample index on first use
        return Assistant.open(name)  # with its own model and backend; loaded models are shared

    def _get(self, name: str) -> Opened:
        with self._guard:
            if name not in self._opened:
                self._opened[name] = Opened.of(self._opener(name))
            return self._opened[name]

    def _lock(self, name: str) -> ReadWriteLock:
        with self._guard:
            return self._locks.setdefault(name, ReadWriteLock())

    @contextmanager
    def reading(self, name: str) -> Iterator[Opened]:
        with self._lock(name).reading():
            yield self._get(name)

    @contextmanager
    def writing(self, name: str) -> Iterator[Opened]:
        with self._lock(name).writing():
            yield self._get(name)

    def replace(self, name: str, index: CorpusIndex) -> None:
        """Serve a new version of the index (call while holding ``writing(name)``)."""
        assistant = self._get(name).assistant
        assistant.pipeline = assistant.pipeline.with_index(index)
        with self._guard:
            self._opened[name] = Opened.of(assistant)


# --- uploads ---------------------------------------------------------------------------------


def upload_paths(files: object) -> list[Path]:
    """The files Gradio saved, checked; they are read where they are and never copied."""
    items = files if isinstance(files, (list, tuple)) else [files] if files else []
    paths = [Path(getattr(item, "name", item)) for item in items]
    if not paths:
        raise InputProblem("Hãy chọn ít nhất một tệp .txt hoặc .jsonl (choose a .txt or .jsonl file first).")
    for path in paths:
        if not path.name.lower().endswith(UPLOAD_SUFFIXES):
            raise InputProblem(f"Tệp “{path.name}” không được nhận: chỉ nhận .txt và .jsonl (only .txt and .jsonl files).")
        if path.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
            raise InputProblem(f"Tệp “{path.name}” lớn hơn {MAX_UPLOAD_MB} MB (file too large).")
    return paths


def _short_location(text: str, paths: Sequence[Path]) -> str:
    """A message about an uploaded file, naming the file rather than the server's temp folder."""
    for path in paths:
        text = text.replace(str(path), path.name)
    return text


def upload_report(name: str, report: UpdateReport, loaded: LoadResult, paths: Sequence[Path]) -> str:
    lines = [f"**Đã cập nhật chỉ mục {md_text(name)}** (index updated): "
             f"{len(report.added)} bài mới (added), {len(report.changed)} bài thay đổi (changed), "
             f"{len(report.unchanged)} bài không đổi (unchanged), {len(loaded.skipped)} bản ghi bị bỏ qua (skipped)"
             + (f", {len(loaded.duplicates)} bài trùng nội dung (duplicates)." if loaded.duplicates else ".")]
    for skipped in loaded.skipped:
        lines.append(f"- Bỏ qua (skipped) {md_text(_short_location(skipped.location, paths))}: "
                     f"{md_text(_short_location(skipped.reason, paths))}")
    return "\n".join(lines)


# --- the page's handlers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    question: str  # as typed
    resolution: Resolution  # as asked
    index: str
    answer: Answer

    def previous(self) -> PreviousTurn:
        text = "" if self.answer.abstained else self.answer.text
        return PreviousTurn(self.resolution.question, text, self.answer.question_type)


def chat_history(turns: Sequence[Turn]) -> list[dict]:
    messages = []
    for number, turn in enumerate(turns):
        messages.append({"role": "user", "content": md_text(turn.question)})
        messages.append({"role": "assistant", "content": render_answer(turn.answer, turn=number, resolution=turn.resolution)})
    return messages


def _selected_turn(index: object) -> int:
    message = index[0] if isinstance(index, (list, tuple)) else index
    return int(message) // 2  # a user message and an answer per turn


class WebApp:
    """The handlers behind the page, over one registry of assistants."""

    def __init__(self, registry: AssistantRegistry | None = None) -> None:
        self.registry = registry or AssistantRegistry()

    def validate(self, question, turns, k, date_from, date_to, index_name) -> None:
        """The cheap checks of ``respond``, run before it is queued."""
        with user_errors("checking the question"):
            check_question(question)
            date_range(date_from, date_to)
            check_index_name(index_name)
            check_k(k)

    def respond(self, question, turns, k, date_from, date_to, index_name):
        with user_errors("answering"):
            text = check_question(question)
            start, end = date_range(date_from, date_to)
            name, count = check_index_name(index_name), check_k(k)
            resolution = resolve(text, turns[-1].previous() if turns else None)
            with self.registry.reading(name) as opened:
                answer = opened.assistant.ask(resolution.question, k=count, date_from=start, date_to=end)
                articles = opened.articles
            turns = [*turns, Turn(text, resolution, name, answer)]
            sources = render_sources(answer, articles, turn=len(turns) - 1, question=resolution.question)
        return chat_history(turns), turns, sources

    def show_turn(self, turns, event: gr.SelectData):
        """Clicking an earlier message brings its sources back into the panel."""
        with user_errors("showing sources"):
            number = _selected_turn(event.index)
            if not 0 <= number < len(turns):
                return gr.skip()
            turn = turns[number]
            with self.registry.reading(turn.index) as opened:
                return render_sources(turn.answer, opened.articles, turn=number, question=turn.resolution.question)

    def clear(self):
        return [], [], empty_sources_html(), ""

    def index_info(self, index_name) -> str:
        with user_errors("opening the index"):
            name = check_index_name(index_name)
            with self.registry.reading(name) as opened:
                counts = opened.assistant.index.manifest.get("counts", {})
        return (f"Chỉ mục (index) **{md_text(name)}**: {counts.get('articles', '?')} bài báo (articles), "
                f"{counts.get('chunks', '?')} đoạn (passages).")

    def refresh_indexes(self, current):
        names = available_indexes()
        return gr.Dropdown(choices=names, value=current if current in names else SAMPLE_INDEX_NAME)

    def add_files(self, files, index_name, progress=gr.Progress()):
        with user_errors("adding articles"):
            name, paths = check_index_name(index_name), upload_paths(files)
            progress(0.05, desc="Đang đọc tệp (reading files)…")
            loaded = load_articles(paths, skip_bad=True)
            if not loaded.articles:
                reasons = "; ".join(_short_location(f"{s.location}: {s.reason}", paths) for s in loaded.skipped)
                raise InputProblem(f"Không đọc được bài báo nào từ tệp (no article could be read). {reasons}")
            with self.registry.writing(name) as opened:
                progress(0.2, desc=f"Đang tính vector cho {len(loaded.articles)} bài (embedding articles)…")
                index, report = add_to_index(opened.assistant.index.path, loaded.articles,
                                             embedder=opened.assistant.embedder)
                progress(0.9, desc="Đang nạp lại chỉ mục (reloading the index)…")
                self.registry.replace(name, index)
            summary = upload_report(name, report, loaded, paths)
        return summary, self.index_info(name), None

    def api_ask(self, question: str, k: int = DEFAULT_K, date_from: str = "", date_to: str = "",
                index: str = SAMPLE_INDEX_NAME) -> dict:
        """Answer one question; returns Answer.to_dict(): text, sentence, abstained, confidence,
        citations (with start/end offsets into the article text), question_type, resolved_date, ..."""
        with user_errors("answering (API)"):
            text, count = check_question(question), check_k(k)
            start, end = date_range(date_from, date_to)
            with self.registry.reading(check_index_name(index)) as opened:
                return opened.assistant.ask(text, k=count, date_from=start, date_to=end).to_dict()


# --- the page --------------------------------------------------------------------------------

CSS = """
.qa-header h1 { margin: 0; font-size: 1.55rem; }
.qa-header p { margin: .25rem 0 0; color: var(--body-text-color-subdued); }
.qa-sources { max-height: 74vh; overflow-y: auto; padding-right: 4px; }
.qa-sources-head { font-size: .9em; color: var(--body-text-color-subdued); margin-bottom: .5rem; }
.qa-legend { font-size: .8em; margin-bottom: .6rem; }
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-primary); scroll-margin-top: 8px; }
.qa-source:target { outline: 2px solid var(--color-accent); }
.qa-source-head { line-height: 1.35; }
.qa-num { font-weight: 700; color: var(--color-accent); margin-right: .25rem; }
.qa-title { font-weight: 600; }
.qa-meta { font-size: .82em; color: var(--body-text-color-subdued); margin: .25rem 0 .45rem; }
.qa-passage { padding: .45rem .65rem; border-left: 3px solid var(--color-accent); white-space: pre-wrap;
  font-size: .93em; line-height: 1.55; background: var(--background-fill-secondary); border-radius: 0 6px 6px 0; }
.qa-full { margin-top: .5rem; }
.qa-full summary { cursor: pointer; font-size: .88em; color: var(--color-accent); }
.qa-article { white-space: pre-wrap; max-height: 46vh; overflow-y: auto; font-size: .9em; line-height: 1.55;
  padding: .45rem .65rem; margin-top: .35rem; border: 1px solid var(--border-color-primary); border-radius: 6px; }
mark.qa-sentence { background: #fff0a6; color: #1f2328; padding: 0 1px; border-radius: 2px; }
mark.qa-answer { background: #ffbf2e; color: #1f2328; font-weight: 700; border-radius: 2px; }
.qa-muted { color: var(--body-text-color-subdued); font-size: .9em; }
.qa-note { font-weight: 600; }
.qa-empty { padding: 1rem; border: 1px dashed var(--border-color-primary); border-radius: 10px; }
"""

_HEADER = (f'<div class="qa-header"><h1>{esc(TITLE)}</h1><p>Hỏi về các bài báo bằng tiếng Việt (có hoặc không dấu) '
           "hoặc tiếng Anh. Mọi câu trả lời được trích nguyên văn từ bài báo, kèm nguồn. "
           "(Cited answers from Vietnamese news: every answer is copied from an article.)</p></div>")

# After a click on a marker of an earlier answer, its sources arrive a moment later: scroll then.
_SCROLL_TO_TARGET = "() => { const id = decodeURIComponent(location.hash.slice(1)); " \
                    "const card = id && document.getElementById(id); if (card) card.scrollIntoView({block: 'start'}); }"


def _controls():
    with gr.Accordion("Tuỳ chọn (options)", open=False):
        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="Số nguồn (number of sources)")
        with gr.Row():
            date_from = gr.Textbox(label="Từ ngày (from, YYYY-MM-DD)", placeholder="2022-01-01", max_length=10)
            date_to = gr.Textbox(label="Đến ngày (to, YYYY-MM-DD)", placeholder="2022-12-31", max_length=10)
        index = gr.Dropdown(available_indexes(), value=SAMPLE_INDEX_NAME, label="Chỉ mục (index)")
        info = gr.Markdown()
    return k, date_from, date_to, index, info


def _upload_box():
    with gr.Accordion("Thêm bài báo vào chỉ mục (add articles)", open=False):
        files = gr.File(label=f"Tệp .txt hoặc .jsonl, tối đa {MAX_UPLOAD_MB} MB mỗi tệp", file_count="multiple",
                        file_types=list(UPLOAD_SUFFIXES), elem_id="qa-upload")
        add = gr.Button("Thêm vào chỉ mục (add to index)", elem_id="qa-add")
        status = gr.Markdown(elem_id="qa-upload-status")
    return files, add, status


def _wire(app: WebApp, c: dict) -> None:
    ask_inputs = [c["question"], c["turns"], c["k"], c["date_from"], c["date_to"], c["index"]]
    for trigger in (c["question"].submit, c["ask"].click):
        # Checking first keeps an input mistake to a pop-up (no error badge over the chat); the box
        # is emptied only once answered, so a rejected question stays there to be corrected.
        trigger(app.validate, ask_inputs, None, api_visibility="private", concurrency_limit=None).success(
            app.respond, ask_inputs, [c["chat"], c["turns"], c["sources"]], api_visibility="private",
            show_progress_on=c["chat"], concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY,
        ).success(lambda: "", None, c["question"], api_visibility="private", queue=False)
    c["chat"].select(app.show_turn, [c["turns"]], [c["sources"]], api_visibility="private").then(
        None, js=_SCROLL_TO_TARGET, api_visibility="private")
    for trigger in (c["clear"].click, c["chat"].clear):  # the button, and the chat's own bin icon
        trigger(app.clear, None, [c["chat"], c["turns"], c["sources"], c["question"]], api_visibility="private")
    c["index"].change(app.index_info, [c["index"]], [c["info"]], api_visibility="private")
    c["add"].click(app.add_files, [c["files"], c["index"]], [c["status"], c["info"], c["files"]],
                   api_visibility="private", concurrency_id="upload", concurrency_limit=1)
    gr.api(app.api_ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)


def build_demo(app: WebApp | None = None) -> gr.Blocks:
    """The whole page; ``launch_options()`` gives what ``launch()`` needs with it."""
    app = app or WebApp()
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(_HEADER)
        turns = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                chat = gr.Chatbot(label="Hỏi đáp (chat)", show_label=False, buttons=["copy", "copy_all"],
                                  elem_id="qa-chat", height=540, sanitize_html=True,
                                  render_markdown=True, latex_delimiters=[], allow_tags=False, feedback_options=None,
                                  placeholder="Đặt câu hỏi về các bài báo… (ask about the articles)")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Nhập câu hỏi… (type a question)", scale=5,
                                          elem_id="qa-question", max_length=1000, autofocus=True)
                    ask = gr.Button("Hỏi (ask)", variant="primary", scale=1, min_width=90, elem_id="qa-ask")
                    clear = gr.Button("Xoá (clear)", scale=1, min_width=90)
                gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Câu hỏi mẫu (examples)")
                k, date_from, date_to, index, info = _controls()
                files, add, status = _upload_box()
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### Nguồn (sources)")
                sources = gr.HTML(empty_sources_html(), elem_id="qa-sources-panel")
        _wire(app, dict(question=question, turns=turns, k=k, date_from=date_from, date_to=date_to, index=index,
                        chat=chat, sources=sources, ask=ask, clear=clear, info=info, files=files, add=add,
                        status=status))
        demo.load(app.refresh_indexes, [index], [index], api_visibility="private").then(
            app.index_info, [index], [info], api_visibility="private")
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=64)
    return demo


def launch_options(host: str, port: int) -> dict:
    return dict(server_name=host, server_port=port, share=False, max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS,
                theme=gr.themes.Soft(), show_error=False)


def sample_index_ready() -> bool:
    return index_exists(SAMPLE_INDEX_NAME)


def warm_up() -> None:
    """Build (first start) or load (later starts) the sample index before the page opens."""
    default_assistant(show_progress=True)
