"""What the page's events do: check the inputs, ask an assistant, render the result.

Every handler runs inside ``user_errors``, so whatever fails reaches the user as one
readable pop-up and the log as one line. A conversation is a list of ``Turn`` kept in the
browser session; a follow-up question is rewritten from the turn before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gradio as gr

from qa.answer.followup import PreviousTurn, Resolution, resolve
from qa.answer.types import Answer
from qa.sample import SAMPLE_INDEX_NAME
from qa.web.errors import user_errors
from qa.web.escape import md_text
from qa.web.indexes import index_names
from qa.web.inputs import DEFAULT_K, check_index_name, read_query
from qa.web.render import empty_sources_html, render_answer, render_sources
from qa.web.state import AssistantRegistry
from qa.web.uploads import read_upload, upload_report


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
        """The cheap checks of ``respond``, run before it is queued: a mistake costs no wait."""
        with user_errors("checking the question"):
            read_query(question, k, date_from, date_to, index_name)

    def respond(self, question, turns, k, date_from, date_to, index_name):
        with user_errors("answering"):
            query = read_query(question, k, date_from, date_to, index_name)
            resolution = resolve(query.question, turns[-1].previous() if turns else None)
            with self.registry.reading(query.index) as opened:
                answer = opened.assistant.ask(resolution.question, k=query.k, date_from=query.date_from,
                                              date_to=query.date_to)
                articles = opened.articles
            turns = [*turns, Turn(query.question, resolution, query.index, answer)]
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
                counts = opened.assistant.info().counts
        return f"Chỉ mục (index) **{md_text(name)}**: {counts.articles} bài báo (articles), {counts.chunks} đoạn (passages)."

    def refresh_indexes(self, current):
        """Indexes built since the page was served (by the command line, say) appear on reload."""
        names = index_names()
        return gr.Dropdown(choices=names, value=current if current in names else SAMPLE_INDEX_NAME)

    def add_files(self, files, index_name, progress=gr.Progress()):
        with user_errors("adding articles"):
            name = check_index_name(index_name)
            progress(0.05, desc="Đang đọc tệp (reading files)…")
            upload = read_upload(files)
            progress(0.2, desc=f"Đang tính vector cho {len(upload.loaded.articles)} bài (embedding articles)…")
            report = self.registry.add(name, upload.loaded.articles)
            summary = upload_report(name, report, upload)
        return summary, self.index_info(name), None

    def api_ask(self, question: str, k: int = DEFAULT_K, date_from: str = "", date_to: str = "",
                index: str = SAMPLE_INDEX_NAME) -> dict:
        """Answer one question; returns Answer.to_dict(): text, sentence, abstained, confidence,
        citations (with start/end offsets into the article text), question_type, resolved_date, ..."""
        with user_errors("answering (API)"):
            query = read_query(question, k, date_from, date_to, index)
            with self.registry.reading(query.index) as opened:
                return opened.assistant.ask(query.question, k=query.k, date_from=query.date_from,
                                            date_to=query.date_to).to_dict()
