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
from qa.index.updating import UpdateReport
from qa.ingest.corpus import Article
from qa.sample import SAMPLE_INDEX_NAME
from qa.web.indexes import articles_by_id


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


def warm_up() -> None:
    """Build (first start) or load (later starts) the sample index before the page opens,
    so that the first visitor's question is not the one that waits for it."""
    open_assistant(SAMPLE_INDEX_NAME)


@dataclass(frozen=True)
class Opened:
    assistant: Assistant
    articles: Mapping[str, Article]  # by id, for the full-article view

    @classmethod
    def of(cls, assistant: Assistant) -> Opened:
        return cls(assistant, articles_by_id(assistant))


class AssistantRegistry:
    """Assistants by index name: each opened once, then shared, behind its own read/write lock."""

    def __init__(self, opener: Callable[[str], Assistant] = open_assistant) -> None:
        self._opener = opener
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

    def add(self, name: str, articles: Sequence[Article]) -> UpdateReport:
        """Add articles to index ``name`` once no answer is being computed from it; later answers see them."""
        with self._lock(name).writing():
            assistant = self._get(name).assistant
            # No sources: uploads are temporary copies, which a later rebuild could not find.
            report = assistant.add(articles)
            with self._guard:
                self._opened[name] = Opened.of(assistant)
        return report
