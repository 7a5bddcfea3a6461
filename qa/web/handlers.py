"""What the page's events do: check the inputs, ask an assistant, render the result.

Every handler runs inside ``user_errors``, so whatever fails reaches the user as one readable
pop-up and the log as one line. The conversation lives in the browser (``history``), comes
back with each question and is rendered whole; a follow-up is rewritten from the turn before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import gradio as gr

from qa.answer.followup import resolve
from qa.eval.feedback import append_feedback, feedback_path, new_feedback
from qa.ingest.corpus import Article
from qa.paths import feedback_dir
from qa.sample import SAMPLE_INDEX_NAME
from qa.web.cards import sources_panel, vi_date
from qa.web.errors import user_errors
from qa.web.escape import esc, md_text
from qa.web.highlight import Mark, highlight
from qa.web.history import Turn, turns_from_json, turns_to_json
from qa.web.indexes import CollectionSummary, article_rows, collection_summary, index_names
from qa.web.inputs import (DEFAULT_K, InputProblem, check_index_name, check_new_collection, check_question,
                           check_writable, read_query)
from qa.web.readiness import Preparation, status_html
from qa.web.render import render_conversation
from qa.web.state import AssistantRegistry
from qa.web.uploads import Upload, created_report, read_upload, upload_report


def summary_html(summary: CollectionSummary) -> str:
    """The header's line: which collection answers, how many articles, which dates."""
    span = ""
    if summary.first_date:
        first, last = vi_date(summary.first_date), vi_date(summary.last_date)
        span = f", {esc(first)}" + (f" – {esc(last)}" if last != first else "")
    lock = " · chỉ đọc (read-only)" if summary.read_only else ""
    return (f'<p class="qa-collection-line">Bộ sưu tập (collection) <strong>{esc(summary.name)}</strong>: '
            f"{summary.articles} bài báo (articles){span}{lock}</p>")


def _read_upload_showing(files, progress) -> Upload:
    """The uploaded files read one by one, the progress bar naming each as it is read."""
    return read_upload(files, on_file=lambda n, total, file: progress(
        0.05 + 0.25 * n / total, desc=f"Đang đọc (reading) {file} ({n}/{total})"))


class WebApp:
    """The handlers behind the page, over one registry of assistants."""

    def __init__(self, registry: AssistantRegistry | None = None, preparation: Preparation | None = None,
                 feedback_folder: Path | None = None) -> None:
        self.registry = registry or AssistantRegistry()
        self.preparation = preparation
        self.feedback_folder = feedback_folder or feedback_dir()

    # --- asking -------------------------------------------------------------------------------

    def _articles(self, turns: Sequence[Turn]) -> list[Mapping[str, Article]]:
        """Each turn's collection's articles; a collection gone since shows its cards without them."""
        found: dict[str, Mapping[str, Article]] = {}
        for name in {t.index for t in turns}:
            try:
                with self.registry.reading(check_index_name(name)) as opened:
                    found[name] = opened.articles
            except Exception:  # an old turn must never break the page: its cards say the article is gone
                found[name] = {}
        return [found[t.index] for t in turns]

    def _views(self, turns: Sequence[Turn]) -> tuple[str, str]:
        articles = self._articles(turns)
        return (render_conversation(turns, articles),
                sources_panel([(t.answer, t.resolution.question, t.index) for t in turns], articles))

    def validate(self, question, history, k, date_from, date_to, index_name) -> None:
        """The cheap checks of ``respond``, run before it is queued: a mistake costs no wait.
        An empty box is no mistake: Enter on it does nothing."""
        with user_errors("checking the question"):
            if str(question or "").strip():
                read_query(question, k, date_from, date_to, index_name)

    def respond(self, question, history, k, date_from, date_to, index_name):
        if not str(question or "").strip():
            return gr.skip(), gr.skip(), gr.skip()
        with user_errors("answering"):
            query = read_query(question, k, date_from, date_to, index_name)
            turns = turns_from_json(history)
            resolution = resolve(query.question, turns[-1].previous() if turns else None)
            with self.registry.reading(query.index) as opened:
                answer = opened.assistant.ask(resolution.question, k=query.k, date_from=query.date_from,
                                              date_to=query.date_to)
            turns.append(Turn(query.question, resolution, query.index, answer))
            conversation, panel = self._views(turns)
        return conversation, panel, turns_to_json(turns)

    def restore(self, history):
        """The conversation kept in the browser, shown again after a reload."""
        with user_errors("restoring the conversation"):
            return self._views(turns_from_json(history))

    def clear(self, confirmed):
        """Only once the person has said yes: a conversation cannot be brought back."""
        if not confirmed:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        conversation, panel = self._views([])
        return conversation, panel, turns_to_json([]), ""

    # --- collections --------------------------------------------------------------------------

    def collection_changed(self, name):
        """Header line, the article table, and what may be changed (nothing, in the sample)."""
        with user_errors("opening the collection"):
            name = check_index_name(name)
            with self.registry.reading(name) as opened:
                articles = list(opened.articles.values())
        summary = collection_summary(name, articles)
        rows = article_rows(articles)
        choices = [(f"{row[0][:70]} ({row[1] or 'không rõ ngày'}) · {row[3]}", row[3]) for row in rows]
        writable = not summary.read_only
        return (summary_html(summary), gr.update(value=rows), gr.update(choices=choices, value=[], interactive=writable),
                gr.update(interactive=writable), gr.update(interactive=writable), gr.update(visible=summary.read_only),
                gr.update(interactive=writable))

    def refresh_collections(self, current):
        """Collections made since the page was served (by the command line, say) appear on reload."""
        names = index_names()
        return gr.update(choices=names, value=current if current in names else SAMPLE_INDEX_NAME)

    def create_collection(self, name, files, progress=gr.Progress()):
        with user_errors("creating a collection"):
            name = check_new_collection(name)
            upload = _read_upload_showing(files, progress)
            progress(0.35, desc=f"Đang lập chỉ mục {len(upload.articles)} bài (indexing articles)…")
            self.registry.create(name, upload.articles)
        return created_report(name, upload), gr.update(choices=index_names(), value=name), None, ""

    def add_files(self, files, name, progress=gr.Progress()):
        with user_errors("adding articles"):
            name = check_writable(check_index_name(name))
            upload = _read_upload_showing(files, progress)
            progress(0.35, desc=f"Đang tính vector cho {len(upload.articles)} bài (embedding articles)…")
            report = self.registry.add(name, upload.articles)
        return (upload_report(name, report, upload), *self.collection_changed(name), None)

    def delete_collection(self, confirmed, name):
        """Only once the person has said yes: a deleted collection cannot be brought back."""
        if not confirmed:
            return gr.skip(), gr.skip()
        with user_errors("deleting a collection"):
            name = check_writable(check_index_name(name))
            self.registry.delete(name)
        done = f"Đã xoá bộ sưu tập {md_text(name)} (collection deleted)."
        return done, gr.update(choices=index_names(), value=SAMPLE_INDEX_NAME)

    def remove_articles(self, ids, name):
        with user_errors("removing articles"):
            name = check_writable(check_index_name(name))
            chosen = [str(i) for i in (ids or [])]
            if not chosen:
                return "Hãy chọn bài cần xoá (choose the articles to remove first).", *(gr.skip(),) * 7
            self.registry.remove(name, chosen)
        done = f"Đã xoá {len(chosen)} bài khỏi bộ sưu tập {md_text(name)} (articles removed)."
        return (done, *self.collection_changed(name))

    # --- what the page's own scripts call -----------------------------------------------------

    def record_feedback(self, payload: Mapping, rating: str, note: str = "", feedback_id: str = "") -> str:
        """A 👍/👎 (and a later note, under the same id) appended to the collection's feedback file."""
        with user_errors("recording feedback"):
            name = check_index_name(payload.get("collection") if isinstance(payload, Mapping) else None)
            record = new_feedback(payload, collection=name, rating=str(rating), note=str(note or ""),
                                  feedback_id=str(feedback_id) or None)
            append_feedback(feedback_path(self.feedback_folder, name), record)
        return record.id

    def full_article(self, collection: str, doc_id: str, marks: Sequence[Sequence[int]]) -> str:
        """A cited article in full, highlighted by the citation's offsets (its sentence, then its
        answer); fetched when opened."""
        with user_errors("showing the article"):
            try:
                spans = [Mark(int(m[0]), int(m[1]), css) for css, m in zip(("qa-sentence", "qa-answer"), marks or [])]
            except (TypeError, ValueError, IndexError):
                raise InputProblem("Vị trí trích dẫn không hợp lệ (bad citation offsets).") from None
            with self.registry.reading(check_index_name(collection)) as opened:
                article = opened.articles.get(str(doc_id))
            if article is None:
                return '<p class="qa-muted">Bài không còn trong bộ sưu tập (article no longer in the collection).</p>'
            return highlight(article.text, 0, spans)

    # --- first start and programs -------------------------------------------------------------

    def ready(self) -> bool:
        return self.preparation is None or self.preparation.status().ready

    def page_state(self, name, history):
        """Once ready: the collection's header and table, and the conversation the browser kept."""
        if not self.ready():
            return (gr.skip(),) * 9
        return (*self.collection_changed(name), *self.restore(history))

    def poll_preparation(self):
        """The waiting page until the sample collection is ready, then the chat."""
        status = self.preparation.status() if self.preparation else None
        if status is None or status.ready:
            return gr.update(value="", visible=False), gr.update(visible=True), gr.update(active=False)
        return gr.update(value=status_html(status), visible=True), gr.update(visible=False), gr.update(active=True)

    def api_ask(self, question: str, k: int = DEFAULT_K, date_from: str = "", date_to: str = "",
                index: str = SAMPLE_INDEX_NAME) -> dict:
        """Answer one question; returns Answer.to_dict(): text, sentence, abstained, confidence,
        citations (with start/end offsets into the article text), question_type, resolved_date, ..."""
        with user_errors("answering (API)"):
            check_question(question)
            query = read_query(question, k, date_from, date_to, index)
            with self.registry.reading(query.index) as opened:
                return opened.assistant.ask(query.question, k=query.k, date_from=query.date_from,
                                            date_to=query.date_to).to_dict()
