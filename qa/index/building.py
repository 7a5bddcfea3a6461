"""Building an index version: chunk, embed, write every file, then the manifest, then publish.

A version is written into a hidden folder and published with one atomic rename (``store``),
so a failed or killed build leaves the previous version answering. An update builds a whole
new version too, copying the rows and vectors of unchanged articles instead of embedding them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from qa.errors import InputError
from qa.index.articles_file import write_articles
from qa.index.corpus_index import CorpusIndex, passage_text
from qa.index.dense import build_vector_index, stored_vectors, vector_index_kind
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

_EMBED_BATCH = 64  # texts per embed() call: one step of the progress bar


def build_index(
    articles: Sequence[Article],
    *,
    name_or_path: str | Path,
    embedder: Embedder,
    chunking: ChunkSettings = ChunkSettings(),
    sources: Sequence[str] = (),
    show_progress: bool = False,
) -> CorpusIndex:
    """Chunk, embed and store ``articles`` as a complete new index, replacing any old one.

    No articles is an error, not an empty index: an empty or mistyped folder must not wipe
    out the index it was meant to rebuild.
    """
    started = time.perf_counter()
    target = resolve_index_path(name_or_path)
    articles = tuple(articles)
    if not articles:
        raise InputError(" ".join(map(str, sources)) or target.name,
                         f"holds no articles to index; index {target.name} was left as it was")
    with collect():
        tables = embed_tables(articles, settings=chunking, embedder=embedder, current=None, reusable=set(),
                              show_progress=show_progress)
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
    """Chunk and sentence rows of a corpus with their vectors."""

    chunk_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_rows: np.ndarray
    sentence_vectors: np.ndarray
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


def write_version(plan: BuildPlan, target: Path) -> None:
    """Write ``plan`` as a new version and publish it as ``target``; the caller holds the writer lock."""
    version = new_version_dir(target)
    try:
        _write_files(version, plan)
        files = _stored_files(version)
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
        write_articles(folder, plan.articles)
        np.save(folder / "chunks.npy", tables.chunk_rows, allow_pickle=False)
        np.save(folder / "sentences.npy", tables.sentence_rows, allow_pickle=False)
        np.save(folder / "sentence_vectors.npy", tables.sentence_vectors, allow_pickle=False)
    checkpoint("writing")
    with stage("faiss"):
        faiss.write_index(build_vector_index(tables.chunk_vectors), str(folder / "vectors.faiss"))
    with stage("bm25"):
        (folder / "bm25").mkdir()
        LexicalIndex.build(_chunk_texts(plan.articles, tables.chunk_rows)).save(folder / "bm25")


def _stored_files(folder: Path) -> tuple[StoredFile, ...]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_FILE)
    with stage("checksums"):
        return tuple(StoredFile(str(p.relative_to(folder)), p.stat().st_size, sha256_file(p)) for p in files)


# --- rows and vectors ---------------------------------------------------------------------


def embed_tables(articles: Sequence[Article], *, settings: ChunkSettings, embedder: Embedder,
                 current: CorpusIndex | None, reusable: set[str], show_progress: bool) -> Tables:
    """Embed what is new; copy rows and vectors of ``reusable`` articles from ``current``."""
    old_articles = current.articles if current else ()
    with stage("chunking"):
        chunk_rows, chunk_fresh, chunk_kept = _merge_rows(
            articles, reusable, _ranges(current and current.chunk_rows, old_articles), current and current.chunk_rows,
            lambda a, r: _chunk_rows(a, r, settings), 4)
        sentence_rows, sentence_fresh, sentence_kept = _merge_rows(
            articles, reusable, _ranges(current and current.sentence_rows, old_articles), current and current.sentence_rows,
            _sentence_rows, 3)
    stored_chunks = stored_vectors(current.vectors) if current and chunk_kept else None
    chunk_vectors = _fill(chunk_fresh, chunk_kept, stored_chunks, _chunk_texts(articles, chunk_rows[chunk_fresh]),
                          embedder, dtype=np.float32, show_progress=show_progress, desc="Embedding passages")
    sentence_vectors = _fill(sentence_fresh, sentence_kept, current.sentence_vectors if current else None,
                             _sentence_texts(articles, sentence_rows[sentence_fresh]), embedder, dtype=np.float16,
                             show_progress=show_progress, desc="Embedding sentences")
    return Tables(chunk_rows, chunk_vectors, sentence_rows, sentence_vectors, int(chunk_fresh.sum()))


def _chunk_rows(article: Article, article_row: int, settings: ChunkSettings) -> np.ndarray:
    rows = [(article_row, c.start, c.end, c.index) for c in chunk_article(article, settings=settings)]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 4)


def _sentence_rows(article: Article, article_row: int) -> np.ndarray:
    rows = [(article_row, start, end) for start, end in sentence_spans(article.text)]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def _chunk_texts(articles: Sequence[Article], rows: np.ndarray) -> list[str]:
    return [passage_text(articles[a], articles[a].text[s:e]) for a, s, e in rows[:, :3].tolist()]


def _sentence_texts(articles: Sequence[Article], rows: np.ndarray) -> list[str]:
    return [articles[a].text[s:e] for a, s, e in rows[:, :3].tolist()]


def _ranges(rows: np.ndarray | None, articles: Sequence[Article]) -> dict[str, range]:
    """Rows of each article (rows are stored grouped by article, in article order)."""
    if rows is None:
        return {}
    bounds = np.searchsorted(rows[:, 0], np.arange(len(articles) + 1))
    return {a.id: range(int(bounds[r]), int(bounds[r + 1])) for r, a in enumerate(articles)}


def _merge_rows(articles: Sequence[Article], reusable: set[str], old: dict[str, range], old_rows: np.ndarray | None,
                make: Callable[[Article, int], np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Rows for ``articles``: copied from the old index where reusable, made anew otherwise.

    Returns the rows, a mask of the new ones, and the old row numbers of the copied ones.
    """
    tables, kept = [], []
    for article_row, article in enumerate(articles):
        if article.id in reusable:
            span = old[article.id]
            table = old_rows[span.start : span.stop].copy()
            kept.extend(span)
        else:
            table = make(article, article_row)
        table[:, 0] = article_row
        tables.append(table)
    rows = np.concatenate(tables) if tables else np.zeros((0, width), dtype=np.int64)
    fresh = np.array([articles[a].id not in reusable for a in rows[:, 0]], dtype=bool)
    return rows, fresh, kept


def _fill(fresh: np.ndarray, kept: list[int], stored: np.ndarray | None, texts: list[str], embedder: Embedder,
          *, dtype: type, show_progress: bool, desc: str) -> np.ndarray:
    vectors = np.zeros((len(fresh), embedder.identity.dimension), dtype=dtype)
    if kept:
        vectors[~fresh] = stored[kept]
    vectors[fresh] = _embed_passages(texts, embedder, show_progress=show_progress, desc=desc)
    return vectors


def _embed_passages(texts: Sequence[str], embedder: Embedder, *, show_progress: bool, desc: str) -> np.ndarray:
    """Embed in batches of similar length (little padding), then put rows back in order."""
    vectors = np.zeros((len(texts), embedder.identity.dimension), dtype=np.float32)
    order = np.argsort([len(t) for t in texts], kind="stable")
    batches = [order[i : i + _EMBED_BATCH] for i in range(0, len(order), _EMBED_BATCH)]
    for batch in progress(batches, desc=desc, unit="batch", enabled=show_progress, total=len(batches)):
        with stage("embedding"):
            vectors[batch] = embedder.embed([texts[i] for i in batch], kind="passage")
        checkpoint("embedding")
    return vectors
