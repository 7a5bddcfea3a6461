"""What the page reads about indexes beyond answering: which exist, and their articles.

Kept to the public surface of ``qa.index`` and ``Assistant``, in this one module, so a change
of either is followed here alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from qa.assistant import Assistant
from qa.index.names import index_exists, list_indexes
from qa.ingest.corpus import Article
from qa.sample import SAMPLE_INDEX_NAME
from qa.web.cards import file_name


def index_names() -> list[str]:
    """The indexes a user may pick; the sample one is offered before it is built (its first use builds it)."""
    names = list_indexes()
    return names if SAMPLE_INDEX_NAME in names else [SAMPLE_INDEX_NAME, *names]


def sample_index_ready() -> bool:
    return index_exists(SAMPLE_INDEX_NAME)


def articles_by_id(assistant: Assistant) -> dict[str, Article]:
    """Every article of the assistant's index, for the full-article view of a citation."""
    return {a.id: a for a in assistant.index.articles}


@dataclass(frozen=True)
class CollectionSummary:
    """What the page's header says a collection covers."""

    name: str
    articles: int
    first_date: str | None  # the oldest and newest article dates, at their own precision
    last_date: str | None
    read_only: bool


def collection_summary(name: str, articles: Iterable[Article]) -> CollectionSummary:
    listed = list(articles)
    dates = sorted((a.date.first_day(), str(a.date)) for a in listed if a.date is not None)
    return CollectionSummary(name, len(listed), dates[0][1] if dates else None, dates[-1][1] if dates else None,
                             name == SAMPLE_INDEX_NAME)


def article_rows(articles: Iterable[Article]) -> list[list[str]]:
    """One row per article for the collection's table: title, date, source, id; newest first."""
    ordered = sorted(articles, key=lambda a: (a.date.first_day() if a.date else date.min, a.id), reverse=True)
    return [[a.title, str(a.date or ""), file_name(a.source), a.id] for a in ordered]
