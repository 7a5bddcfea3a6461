"""The public entry points: ``Assistant`` over one index, and ``ask()`` over the default one.

``ask()`` with no index uses the sample corpus shipped in the package, indexed on first use
(once, under a lock, so concurrent first calls build it once).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from qa.answer.types import Answer
from qa.errors import IndexCorruptError, ModelMismatchError
from qa.index.building import build_index
from qa.index.corpus_index import CorpusIndex
from qa.index.distributed import RayBuild
from qa.index.manifest import Manifest
from qa.index.names import index_exists, resolve_index_path
from qa.index.opening import index_model, open_index
from qa.index.updating import UpdateReport, add_to_index, remove_from_index
from qa.index.retrieve import Filters
from qa.ingest.chunking import ChunkSettings
from qa.ingest.corpus import Article, load_articles
from qa.models.embedder import Embedder, make_embedder
from qa.pipeline import Pipeline
from qa.sample import SAMPLE_INDEX_NAME, sample_corpus_dir

logger = logging.getLogger(__name__)


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class Assistant:
    """Questions in, cited answers out, over one index. ``options`` go to ``Pipeline``:
    ``retrieval=``, ``reader=``, ``reranker=``, ``calibration=``."""

    def __init__(self, index: CorpusIndex, embedder: Embedder, **options) -> None:
        self.pipeline = Pipeline(index, embedder, **options)

    @property
    def index(self) -> CorpusIndex:
        return self.pipeline.index

    @property
    def embedder(self) -> Embedder:
        return self.pipeline.embedder

    @classmethod
    def open(cls, name_or_path: str | Path, *, model: str | None = None, backend: str | None = None,
             embedder: Embedder | None = None, **options) -> Assistant:
        """The index's own model and backend, unless a model, backend or embedder is named.

        Opening checks the index against the embedder: the model folder may have changed since.
        """
        embedder = embedder or make_embedder(model, backend=backend, built_with=index_model(name_or_path))
        return cls(open_index(name_or_path, model=embedder.identity), embedder, **options)

    @classmethod
    def build(
        cls, paths: Sequence[str | os.PathLike], name_or_path: str | Path, *, model: str | None = None,
        backend: str | None = None, embedder: Embedder | None = None, chunking: ChunkSettings = ChunkSettings(),
        skip_bad: bool = False, show_progress: bool = False, ray: str | RayBuild | None = None, **options,
    ) -> Assistant:
        """``ray="auto"`` chunks and embeds on a Ray started here, an address on that cluster
        (or a ``RayBuild`` for the number of workers); the index is the same as a local build's."""
        embedder = embedder or make_embedder(model, backend=backend)
        articles = load_articles(paths, skip_bad=skip_bad).articles
        index = build_index(articles, name_or_path=name_or_path, embedder=embedder, chunking=chunking,
                            sources=[str(p) for p in paths], show_progress=show_progress,
                            ray=RayBuild(address=ray) if isinstance(ray, str) else ray)
        return cls(index, embedder, **options)

    def add(self, articles: Sequence[Article], *, sources: Sequence[str] = ()) -> UpdateReport:
        """Add new articles to the index (replacing changed ones) and answer from the new version."""
        index, report = add_to_index(self.index.path, articles, embedder=self.embedder, sources=sources)
        self.pipeline = self.pipeline.with_index(index)
        return report

    def articles(self) -> tuple[Article, ...]:
        """The articles this version of the index holds, in index order, as stored (the text
        every citation's offsets point into)."""
        return self.index.articles

    def remove(self, ids: Sequence[str]) -> UpdateReport:
        """Remove articles by id and answer from the new version; an unknown id is an error
        (``UnknownArticleError``) and leaves the index as it was."""
        if isinstance(ids, str):
            raise TypeError("remove takes a list of article ids")
        if not ids:
            raise ValueError("no article ids to remove")
        index, report = remove_from_index(self.index.path, ids, embedder=self.embedder)
        self.pipeline = self.pipeline.with_index(index)
        return report

    def info(self) -> Manifest:
        """What the index holds and how it was built: name, model, counts, sources, build time."""
        return self.index.manifest

    def ask(self, question: str, *, k: int = 5, date_from: date | str | None = None, date_to: date | str | None = None,
            source: str | None = None) -> Answer:
        return self.ask_batch([question], k=k, date_from=date_from, date_to=date_to, source=source)[0]

    def ask_batch(self, questions: Sequence[str], *, k: int = 5, date_from: date | str | None = None,
                  date_to: date | str | None = None, source: str | None = None) -> list[Answer]:
        """Answer several questions, embedding them in one call."""
        if isinstance(questions, str):
            raise TypeError("ask_batch takes a list of questions; use ask() for one")
        return self.pipeline.answer_batch(questions, k=k, filters=Filters(_as_date(date_from), _as_date(date_to), source))


_DEFAULTS: dict[str | None, Assistant] = {}
_DEFAULT_LOCK = threading.Lock()


def default_assistant(*, show_progress: bool = False, reader: str | None = None) -> Assistant:
    """The assistant over the bundled sample corpus, built on first use and then reused."""
    with _DEFAULT_LOCK:
        if reader not in _DEFAULTS:
            _DEFAULTS[reader] = open_or_build_sample(make_embedder(), show_progress=show_progress, reader=reader)
        return _DEFAULTS[reader]


def open_or_build_sample(embedder: Embedder, *, show_progress: bool, **options) -> Assistant:
    """The sample index is generated content: an old, damaged or other-model one is rebuilt."""
    if index_exists(SAMPLE_INDEX_NAME):
        try:
            return Assistant.open(SAMPLE_INDEX_NAME, embedder=embedder, **options)
        except (IndexCorruptError, ModelMismatchError) as exc:
            logger.warning("rebuilding the sample index: %s", exc)
    return Assistant.build([sample_corpus_dir()], SAMPLE_INDEX_NAME, embedder=embedder, show_progress=show_progress, **options)


_OPENED: dict[tuple[str, str | None], tuple[Path, Assistant]] = {}
_OPENED_LOCK = threading.Lock()


def opened_assistant(index: str | Path, *, reader: str | None = None) -> Assistant:
    """The assistant over a named index, opened once and reused until a new version is published.

    Opening reads the articles and checks files (seconds on a large index); the published
    version's folder tells whether what is held is still current.
    """
    target = resolve_index_path(index)
    version = target.resolve()
    key = (str(target), reader)
    with _OPENED_LOCK:
        held = _OPENED.get(key)
    if held is not None and held[0] == version:
        return held[1]
    assistant = Assistant.open(target, reader=reader)
    with _OPENED_LOCK:
        _OPENED[key] = (version, assistant)
    return assistant


def ask(question: str, *, index: str | Path | None = None, reader: str | None = None, **options) -> Answer:
    """Answer one question from the default index, or from the index named."""
    assistant = default_assistant(reader=reader) if index is None else opened_assistant(index, reader=reader)
    return assistant.ask(question, **options)
