"""The assistants the page answers from: each index opened once, shared, and guarded.

Answering only reads an assistant, so several questions run at once (the embedding model,
whose tokenizer is not thread-safe, takes them one at a time). Adding articles moves an
assistant to a new version of its index; a read/write lock per index keeps that from
happening while answers are being computed from the old one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from qa.assistant import Assistant, default_assistant
from qa.index.building import build_index
from qa.index.updating import UpdateReport, delete_index
from qa.ingest.corpus import Article
from qa.models.embedder import make_embedder
from qa.sample import SAMPLE_INDEX_NAME
from qa.web.indexes import articles_by_id
from qa.web.inputs import check_writable
from qa.web.readiness import Preparation, Step


class ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers, so it is never starved."""

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


def open_assistant(name: str) -> Assistant:
    """The sample index is built on first use; any other opens with its own model and backend."""
    if name == SAMPLE_INDEX_NAME:
        return default_assistant(show_progress=True)
    return Assistant.open(name)


WARM_UP_QUESTION = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"


def preparation() -> Preparation:
    """Build (first start) or load (later starts) the sample collection and answer once, so the
    first visitor's question is not the one that waits for the models."""
    return Preparation([
        Step("Dựng mô hình và lập chỉ mục bộ sưu tập mẫu (models and the sample collection's index)",
             lambda: open_assistant(SAMPLE_INDEX_NAME)),
        Step("Trả lời thử một câu hỏi (a first question)", lambda: open_assistant(SAMPLE_INDEX_NAME).ask(WARM_UP_QUESTION)),
    ])


@dataclass(frozen=True)
class Opened:
    assistant: Assistant
    articles: Mapping[str, Article]  # by id, for the full-article view

    @classmethod
    def of(cls, assistant: Assistant) -> Opened:
        return cls(assistant, articles_by_id(assistant))


def build_collection(name: str, articles: Sequence[Article]) -> Assistant:
    """A new collection's index, with the default models (those the sample uses)."""
    embedder = make_embedder()
    return Assistant(build_index(articles, name_or_path=name, embedder=embedder), embedder)


class AssistantRegistry:
    """Assistants by collection name: each opened once, then shared, behind its own read/write lock."""

    def __init__(self, opener: Callable[[str], Assistant] = open_assistant,
                 builder: Callable[[str, Sequence[Article]], Assistant] = build_collection,
                 deleter: Callable[[str], None] = delete_index) -> None:
        self._opener = opener
        self._builder = builder
        self._deleter = deleter
        self._opened: dict[str, Opened] = {}
        self._locks: dict[str, ReadWriteLock] = {}
        self._guard = threading.Lock()

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
    def _writing(self, name: str) -> Iterator[Assistant]:
        """Once no answer is being computed from collection ``name``; later answers see the change."""
        with self._lock(name).writing():
            assistant = self._get(name).assistant
            yield assistant
            with self._guard:
                self._opened[name] = Opened.of(assistant)

    def create(self, name: str, articles: Sequence[Article]) -> None:
        with self._lock(name).writing():
            assistant = self._builder(name, articles)
            with self._guard:
                self._opened[name] = Opened.of(assistant)

    def add(self, name: str, articles: Sequence[Article]) -> UpdateReport:
        with self._writing(check_writable(name)) as assistant:
            # No sources: uploads are temporary copies, which a later rebuild could not find.
            return assistant.add(articles)

    def delete(self, name: str) -> None:
        """The whole collection, once no answer is being computed from it."""
        with self._lock(check_writable(name)).writing():
            self._deleter(name)
            with self._guard:
                self._opened.pop(name, None)

    def remove(self, name: str, ids: Sequence[str]) -> None:
        with self._writing(check_writable(name)) as assistant:
            assistant.remove(ids)
