"""What the page reads about indexes beyond answering: which exist, and their articles.

Kept to the public surface of ``qa.index`` and ``Assistant``, in this one module, so a change
of either is followed here alone.
"""

from __future__ import annotations

from qa.assistant import Assistant
from qa.index.names import index_exists, list_indexes
from qa.ingest.corpus import Article
from qa.sample import SAMPLE_INDEX_NAME


def index_names() -> list[str]:
    """The indexes a user may pick; the sample one is offered before it is built (its first use builds it)."""
    names = list_indexes()
    return names if SAMPLE_INDEX_NAME in names else [SAMPLE_INDEX_NAME, *names]


def sample_index_ready() -> bool:
    return index_exists(SAMPLE_INDEX_NAME)


def articles_by_id(assistant: Assistant) -> dict[str, Article]:
    """Every article of the assistant's index, for the full-article view of a citation."""
    return {a.id: a for a in assistant.index.articles}
