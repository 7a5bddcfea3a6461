"""Building an index version: chunk, embed, write every file, then the manifest, then publish.

A version is written into a hidden folder and published with one atomic rename (``store``),
so a failed or killed build leaves the previous version answering. An update writes a whole
new version too, copying the rows and vectors of unchanged articles instead of embedding them,
and growing the current version's BM25 segments and HNSW graph instead of rebuilding them
(``Extension``).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

from qa.errors import InputError
from qa.index.articles_file import ARTICLES_FILE, write_articles
from qa.index.corpus_index import CorpusIndex, passage_text
from qa.index.dense import build_vector_index, extended_vector_index, stored_vectors, vector_index_kind
from qa.index.lexical import LexicalIndex
from qa.index.manifest import MANIFEST_FILE, Counts, Manifest, StoredFile, write_manifest
from qa.index.names import resolve_index_path
from qa.index.opening import open_index
from qa.index.store import checkpoint, discard, new_version_dir, publish, sha256_file, writer_lock
from qa.ingest.chunking import ChunkSettings, chunk_article
from qa.ingest.corpus import Article
from qa.ingest.text import sentence_spans
from qa.models.embedder import Embedder, ModelIdentity
from qa.progress import progress
from qa.timing import collect, snapshot, stage

if TYPE_CHECKING:
    from qa.index.distributed import RayBuild

_EMBED_BATCH = 64  # texts per embed() call: one step of the progress bar
# Articles whose passages are embedded together, sorted by length into batches. int8 quantises
# activations per batch, so a vector depends on its batch-mates: a local build and each Ray
# actor embed the same groups, and so make the same vectors.
ARTICLES_PER_GROUP = 32


def build_index(
    articles: Sequence[Article],
    *,
    name_or_path: str | Path,
    embedder: Embedder,
    chunking: ChunkSettings = ChunkSettings(),
    sources: Sequence[str] = (),
    show_progress: bool = False,
    ray: RayBuild | None = None,
) -> CorpusIndex:
    """Chunk, embed and store ``articles`` as a complete new index, replacing any old one.

    No articles is an error, not an empty index: an empty or mistyped folder must not wipe
    out the index it was meant to rebuild. With ``ray``, chunking and embedding run on a Ray
    cluster; the version written is the same.
    """
    started = time.perf_counter()
    target = resolve_index_path(name_or_path)
    articles = tuple(articles)
    if not articles:
        raise InputError(" ".join(map(str, sources)) or target.name,
                         f"holds no articles to index; index {target.name} was left as it was")
    with collect():
        tables = embed_tables(articles, settings=chunking, embedder=embedder, current=None, reusable=set(),
                              show_progress=show_progress, ray=ray)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        plan = BuildPlan(target.name, articles, tables, embedder.identity, chunking, tuple(str(s) for s in sources),
                         now, started)
        with writer_lock(target):
            write_version(plan, target)
    return open_index(target, model=embedder.identity)


def corpus_fingerprint(articles: Iterable[Article]) -> str:
    """Of the articles' ids and texts, in any order: equal fingerprints, same corpus."""
    digest = hashlib.sha256()
    for key in sorted(f"{a.id}\x1f{a.content_hash}" for a in articles):
        digest.update(key.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Tables:
    """Chunk rows with their vectors, and sentence rows.

    Sentences get no vectors: embedding every sentence cost 37 % of the model's work (CPU) and
    served the rules reader alone, which now embeds the few sentences it reads at answer time
    (``qa.answer.sentence_vectors``; ``bench/sentence_vectors.py`` measured both).
    """

    chunk_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_rows: np.ndarray
    embedded_chunks: int


@dataclass(frozen=True)
class BuildPlan:
    """Everything a new index version is made of; vectors already embedded."""

    name: str
    articles: tuple[Article, ...]
    tables: Tables
    model: ModelIdentity
    chunking: ChunkSettings
    sources: tuple[str, ...]
    created_at: str
    started: float
    extends: Extension | None = None  # the version an update grows, or None to write everything anew


@dataclass(frozen=True)
class Extension:
    """What an update keeps of the version it grows, so that writing costs what it adds.

    Its BM25 segments are hard-linked (a version never changes once written, so two can share
    files) and their checksums reused: the update checked every file of ``current`` first.
    """

    current: CorpusIndex
    folder: Path  # the version ``current`` was opened from
    carried: np.ndarray  # the new row of each of its chunk rows, -1 where removed or replaced

    @property
    def appends_only(self) -> bool:
        """Every current row keeps its place, so new rows come after them."""
        return bool(np.array_equal(self.carried, np.arange(len(self.carried))))

    def kept_articles(self, articles: Sequence[Article]) -> int:
        """How many articles come first exactly as stored now (all of them, or none)."""
        count = len(self.current.articles)
        return count if tuple(articles[:count]) == self.current.articles else 0

    def fresh_rows(self, count: int) -> np.ndarray:
        """The rows of the new version that no current row became: those of new or changed articles."""
        fresh = np.ones(count, dtype=bool)
        fresh[self.carried[self.carried >= 0]] = False
        return np.flatnonzero(fresh)

    def shared_files(self, folder: Path) -> dict[str, StoredFile]:
        """The files of the new version in ``folder`` that are links to the current version's."""
        return {f.path: f for f in self.current.manifest.files
                if (folder / f.path).is_file() and os.path.samefile(folder / f.path, self.folder / f.path)}


def write_version(plan: BuildPlan, target: Path) -> None:
    """Write ``plan`` as a new version and publish it as ``target``; the caller holds the writer lock."""
    version = new_version_dir(target)
    try:
        _write_files(version, plan)
        files = _stored_files(version, plan.extends)
        write_manifest(version, Manifest(
            name=plan.name,
            model=plan.model,
            chunking=plan.chunking,
            corpus_fingerprint=corpus_fingerprint(plan.articles),
            counts=Counts(articles=len(plan.articles), chunks=int(len(plan.tables.chunk_rows)),
                          sentences=int(len(plan.tables.sentence_rows)),
                          dated_articles=sum(a.date is not None for a in plan.articles)),
            vector_index=vector_index_kind(len(plan.tables.chunk_rows)),
            sources=plan.sources,
            created_at=plan.created_at,
            updated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - plan.started, 2),
            build_stages_seconds=tuple(snapshot().items()),
            files=files,
        ))
        publish(version, target)
    except BaseException:
        discard(version)
        raise


def _write_files(folder: Path, plan: BuildPlan) -> None:
    tables = plan.tables
    with stage("writing"):
        kept = plan.extends.kept_articles(plan.articles) if plan.extends else 0
        write_articles(folder, plan.articles[kept:], after=plan.extends.folder / ARTICLES_FILE if kept else None)
        np.save(folder / "chunks.npy", tables.chunk_rows, allow_pickle=False)
        np.save(folder / "sentences.npy", tables.sentence_rows, allow_pickle=False)
    checkpoint("writing")
    with stage("faiss"):
        faiss.write_index(_vector_index(plan), str(folder / "vectors.faiss"))
    with stage("bm25"):
        linked = plan.extends.folder / "bm25" if plan.extends else None
        _lexical_index(plan).save(folder / "bm25", previous=linked)


def _vector_index(plan: BuildPlan) -> faiss.Index:
    """The stored HNSW graph grown by the new vectors when an update only appends rows to it;
    otherwise a new index (for a flat one, a copy of the vectors either way)."""
    vectors, extends = plan.tables.chunk_vectors, plan.extends
    kind = vector_index_kind(len(vectors))
    if extends is None or kind == "IndexFlatIP" or extends.current.manifest.vector_index != kind or not extends.appends_only:
        return build_vector_index(vectors)
    return extended_vector_index(extends.current.vectors, vectors[len(extends.carried):])


def _lexical_index(plan: BuildPlan) -> LexicalIndex:
    """The current BM25 segments with the new passages as one more, or BM25 over every passage
    (a build, or an update of a format-3 index, whose BM25 cannot be extended)."""
    rows, extends = plan.tables.chunk_rows, plan.extends
    if extends is None or not extends.current.lexical.extendable:
        return LexicalIndex.build(_chunk_texts(plan.articles, rows))
    fresh = extends.fresh_rows(len(rows))
    return extends.current.lexical.extended(carried=extends.carried, rows=fresh, size=len(rows),
                                            texts=_chunk_texts(plan.articles, rows[fresh]))


def _stored_files(folder: Path, extends: Extension | None) -> tuple[StoredFile, ...]:
    """Size and SHA-256 of every file; a file linked from the version an update grows keeps its entry."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_FILE)
    with stage("checksums"):
        shared = extends.shared_files(folder) if extends else {}
        return tuple(shared.get(str(p.relative_to(folder)))
                     or StoredFile(str(p.relative_to(folder)), p.stat().st_size, sha256_file(p)) for p in files)


# --- rows and vectors ---------------------------------------------------------------------


def embed_tables(articles: Sequence[Article], *, settings: ChunkSettings, embedder: Embedder,
                 current: CorpusIndex | None, reusable: set[str], show_progress: bool,
                 ray: RayBuild | None = None) -> Tables:
    """Chunk and embed what is new, here or on ``ray``; copy rows and vectors of ``reusable``
    articles from ``current``."""
    new = [a for a in articles if a.id not in reusable]
    if ray is None:
        fresh = chunk_and_embed(new, settings=settings, embedder=embedder, show_progress=show_progress)
    else:
        from qa.index.distributed import chunk_and_embed_on_ray  # ray is an optional extra

        fresh = chunk_and_embed_on_ray(new, settings=settings, embedder=embedder, ray=ray, show_progress=show_progress)
    if len(new) == len(articles):
        return fresh
    with stage("merging"):
        return _merged(articles, new, fresh, current, reusable)


def chunk_and_embed(articles: Sequence[Article], *, settings: ChunkSettings, embedder: Embedder,
                    show_progress: bool) -> Tables:
    """Rows and passage vectors of ``articles``, rows numbered by position in ``articles``."""
    with stage("chunking"):
        chunk_rows = _stacked([_chunk_rows(a, r, settings) for r, a in enumerate(articles)], width=4)
        sentence_rows = _stacked([_sentence_rows(a, r) for r, a in enumerate(articles)], width=3)
    groups = np.searchsorted(chunk_rows[:, 0], np.arange(0, len(articles), ARTICLES_PER_GROUP))
    vectors = _embed_passages(_chunk_texts(articles, chunk_rows), embedder, groups=groups, show_progress=show_progress)
    return Tables(chunk_rows, vectors, sentence_rows, len(chunk_rows))


def _chunk_rows(article: Article, article_row: int, settings: ChunkSettings) -> np.ndarray:
    rows = [(article_row, c.start, c.end, c.index) for c in chunk_article(article, settings=settings)]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 4)


def _sentence_rows(article: Article, article_row: int) -> np.ndarray:
    rows = [(article_row, start, end) for start, end in sentence_spans(article.text)]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def _stacked(tables: Sequence[np.ndarray], *, width: int) -> np.ndarray:
    return np.concatenate(tables) if tables else np.zeros((0, width), dtype=np.int64)


def _chunk_texts(articles: Sequence[Article], rows: np.ndarray) -> list[str]:
    return [passage_text(articles[a], articles[a].text[s:e]) for a, s, e in rows[:, :3].tolist()]


def article_ranges(rows: np.ndarray, articles: Sequence[Article]) -> dict[str, range]:
    """Rows of each article (rows are stored grouped by article, in article order)."""
    bounds = np.searchsorted(rows[:, 0], np.arange(len(articles) + 1))
    return {a.id: range(int(bounds[r]), int(bounds[r + 1])) for r, a in enumerate(articles)}


def _merged(articles: Sequence[Article], new: Sequence[Article], fresh: Tables, current: CorpusIndex,
            reusable: set[str]) -> Tables:
    """Every article's rows and vectors in ``articles`` order: reused ones from ``current``,
    the rest from ``fresh`` (which holds the ``new`` articles)."""
    old = _Source(current.chunk_rows, stored_vectors(current.vectors), current.sentence_rows, current.articles)
    made = _Source(fresh.chunk_rows, fresh.chunk_vectors, fresh.sentence_rows, new)
    chunks, vectors, sentences = [], [], []
    for article_row, article in enumerate(articles):
        source = old if article.id in reusable else made
        chunk_span, sentence_span = source.chunks[article.id], source.sentences[article.id]
        chunks.append(_renumbered(source.chunk_rows[chunk_span.start : chunk_span.stop], article_row))
        vectors.append(source.vectors[chunk_span.start : chunk_span.stop])
        sentences.append(_renumbered(source.sentence_rows[sentence_span.start : sentence_span.stop], article_row))
    dimension = fresh.chunk_vectors.shape[1]
    return Tables(_stacked(chunks, width=4), np.concatenate(vectors) if vectors else np.zeros((0, dimension), np.float32),
                  _stacked(sentences, width=3), fresh.embedded_chunks)


class _Source:
    """Rows and vectors of one set of articles, found by article id."""

    def __init__(self, chunk_rows: np.ndarray, vectors: np.ndarray, sentence_rows: np.ndarray,
                 articles: Sequence[Article]) -> None:
        self.chunk_rows, self.vectors, self.sentence_rows = chunk_rows, vectors, sentence_rows
        self.chunks, self.sentences = article_ranges(chunk_rows, articles), article_ranges(sentence_rows, articles)


def _renumbered(rows: np.ndarray, article_row: int) -> np.ndarray:
    rows = rows.copy()
    rows[:, 0] = article_row
    return rows


def _embed_passages(texts: Sequence[str], embedder: Embedder, *, groups: np.ndarray, show_progress: bool) -> np.ndarray:
    """Embed each group of texts (``groups``: where each starts) in batches of similar length
    (little padding), then put rows back in order."""
    vectors = np.zeros((len(texts), embedder.identity.dimension), dtype=np.float32)
    batches = []
    for start, stop in zip(groups.tolist(), [*groups[1:].tolist(), len(texts)]):
        order = start + np.argsort([len(t) for t in texts[start:stop]], kind="stable")
        batches += [order[i : i + _EMBED_BATCH] for i in range(0, len(order), _EMBED_BATCH)]
    for batch in progress(batches, desc="Embedding passages", unit="batch", enabled=show_progress, total=len(batches)):
        with stage("embedding"):
            vectors[batch] = embedder.embed([texts[i] for i in batch], kind="passage")
        checkpoint("embedding")
    return vectors
