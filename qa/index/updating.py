"""Adding and removing articles: a new version that embeds only new or changed text.

Each update holds the writer lock from reading the current version to publishing the next,
so two updates never both start from the same version and lose one another's articles.

Before anything else it checks every file of the current version against its checksum, not
only those opening hashes: it copies the rows and vectors of unchanged articles out of the
memory-mapped files and links the BM25 segments it keeps, and the new version's checksums would
vouch for any damage carried over.

An update grows the current version rather than rebuilding it (``building.Extension``): BM25
indexes only the new passages as one more segment, an HNSW graph gets only the new vectors
when rows are only appended, and files kept as they are are hard-linked, checksums and all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexNotFoundError, UnknownArticleError
from qa.index.building import BuildPlan, Extension, article_ranges, embed_tables, write_version
from qa.index.corpus_index import CorpusIndex
from qa.index.distributed import RayBuild
from qa.index.names import index_exists, resolve_index_path
from qa.index.opening import open_index
from qa.index.store import remove_stale_versions, unpublish, writer_lock
from qa.ingest.corpus import Article
from qa.models.embedder import Embedder
from qa.timing import collect


@dataclass(frozen=True)
class UpdateReport:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    embedded_chunks: int = 0


def add_to_index(
    name_or_path: str | Path, articles: Sequence[Article], *, embedder: Embedder, sources: Sequence[str] = (),
    show_progress: bool = False, ray: RayBuild | None = None, rebuild: bool = False,
) -> tuple[CorpusIndex, UpdateReport]:
    """Add new articles and replace changed ones (same id, new text); embed only those (on ``ray`` if given).

    ``rebuild`` writes BM25 and the vector index anew over every passage, as a build does,
    instead of growing them: the reference bench/incremental_add.py compares with, and a way
    to merge every BM25 segment into one.
    """
    started = time.perf_counter()
    target = resolve_index_path(name_or_path)
    with writer_lock(target):
        current = open_index(target, model=embedder.identity, checksums="all")
        incoming = {a.id: a for a in articles}
        old = {a.id: a for a in current.articles}
        unchanged = {i for i, a in incoming.items() if i in old and old[i].content_hash == a.content_hash}
        changed = [i for i in incoming if i in old and i not in unchanged]
        added = [i for i in incoming if i not in old]
        merged = tuple(incoming.get(a.id, a) for a in current.articles) + tuple(incoming[i] for i in added)
        reusable = set(old) - set(changed)
        if not changed and not added:
            remove_stale_versions(target)  # what killed writers left, even when there is nothing to add
            return current, UpdateReport(unchanged=tuple(sorted(unchanged)))
        all_sources = tuple(dict.fromkeys([*current.manifest.sources, *map(str, sources)]))
        index, embedded = _save_update(current, merged, embedder, reusable, sources=all_sources,
                                       show_progress=show_progress, started=started, ray=ray, rebuild=rebuild)
    return index, UpdateReport(tuple(added), tuple(changed), tuple(sorted(unchanged)), (), embedded)


def remove_from_index(name_or_path: str | Path, ids: Iterable[str], *, embedder: Embedder) -> tuple[CorpusIndex, UpdateReport]:
    """Drop articles by id; an unknown id is an error, so a typo never passes silently."""
    started = time.perf_counter()
    target = resolve_index_path(name_or_path)
    with writer_lock(target):
        current = open_index(target, model=embedder.identity, checksums="all")
        drop = set(ids)
        missing = drop - {a.id for a in current.articles}
        if missing:
            raise UnknownArticleError(f"index {target.name} has no article with id {', '.join(sorted(missing))}")
        kept = tuple(a for a in current.articles if a.id not in drop)
        index, _ = _save_update(current, kept, embedder, {a.id for a in kept},
                                sources=current.manifest.sources, show_progress=False, started=started)
    return index, UpdateReport(removed=tuple(sorted(drop)))


def delete_index(name_or_path: str | Path) -> None:
    """Remove a whole index, every version with it; an unknown name is an error, not a no-op."""
    target = resolve_index_path(name_or_path)
    if not index_exists(target):
        raise IndexNotFoundError(f"no index named {target.name}")
    with writer_lock(target):
        unpublish(target)


def _save_update(current: CorpusIndex, articles: tuple[Article, ...], embedder: Embedder, reusable: set[str],
                 *, sources: tuple[str, ...], show_progress: bool, started: float,
                 ray: RayBuild | None = None, rebuild: bool = False) -> tuple[CorpusIndex, int]:
    """The new version, chunked as the index always was, keeping the date it was first built."""
    settings = current.manifest.chunking
    with collect():
        tables = embed_tables(articles, settings=settings, embedder=embedder, current=current, reusable=reusable,
                              show_progress=show_progress, ray=ray)
        extends = None if rebuild else Extension(current, current.path.resolve(),
                                                 _carried_rows(current, articles, tables.chunk_rows, reusable))
        plan = BuildPlan(current.path.name, articles, tables, embedder.identity, settings, sources,
                         current.manifest.created_at, started, extends)
        write_version(plan, current.path)
    # hashed from disk as it was written, moments ago and under the writer lock: not again
    return open_index(current.path, model=embedder.identity, verify=False), tables.embedded_chunks


def _carried_rows(current: CorpusIndex, articles: Sequence[Article], rows: np.ndarray, reusable: set[str]) -> np.ndarray:
    """The new chunk row of each current one, -1 where its article was removed or replaced.

    Chunk rows are grouped by article in article order, and a kept article keeps its chunks.
    """
    carried = np.full(len(current.chunk_rows), -1, dtype=np.int64)
    old, new = article_ranges(current.chunk_rows, current.articles), article_ranges(rows, articles)
    for article in articles:
        if article.id in reusable:
            carried[old[article.id].start : old[article.id].stop] = np.arange(new[article.id].start, new[article.id].stop)
    return carried
