"""The searchable index of a corpus: vectors, BM25, chunk and article stores, manifest.

Layout of one index folder (all plain arrays and JSON, no pickle)::

    manifest.json      format version, model, chunking, corpus fingerprint, counts, checksums
    articles.jsonl     one article per line, text as stored (offsets point into it)
    chunks.npy         int64 rows (article row, start, end, index within article)
    vectors.faiss      FAISS inner-product index of unit vectors, one per chunk row
    sentences.npy      int64 rows (article row, start, end), every sentence of every article
    sentence_vectors.npy  float16 unit vectors, one per sentence row (read memory-mapped):
                       the answer step compares the question with sentences without running
                       the model again
    bm25/              bm25s arrays for the marked and the folded field, and each field's
                       vocabulary as sorted token hashes and columns (read memory-mapped)

Opening verifies sizes and checksums, so a damaged file is a clear error, never wrong answers.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from qa.ingest.chunking import Chunk, ChunkSettings, chunk_article
from qa.ingest.corpus import Article, ArticleDate
from qa.models.embedder import Embedder, ModelIdentity
from qa.errors import IndexCorruptError, IndexNotFoundError, InputError, ModelMismatchError, UnknownArticleError
from qa.index.lexical import LexicalIndex
from qa.paths import indexes_dir
from qa.progress import progress
from qa.index.store import (checkpoint, discard, new_version_dir, publish, remove_stale_versions, sha256_file, write_json,
                    writer_lock)
from qa.ingest.text import sentence_spans
from qa.timing import collect, snapshot, stage

FORMAT_VERSION = 2
APPROXIMATE_FROM = 100_000  # bench/ann.py: flat search reaches ~15 ms a question here
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 256  # recall@10 >= 0.986 against flat up to 400k
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EMBED_BATCH = 64  # texts per embed() call: one step of the progress bar


def resolve_index_path(name_or_path: str | Path) -> Path:
    """A bare name lives under ``embeddings/index/``; anything with a slash is a path."""
    text = str(name_or_path)
    if "/" in text or text.startswith("."):
        return Path(text).expanduser()
    if not _NAME_RE.match(text):
        raise IndexNotFoundError(f"invalid index name {text!r}: use letters, digits, '-' and '_'")
    return indexes_dir() / text


def passage_text(article: Article, chunk_text: str) -> str:
    """What the model and BM25 read for a chunk: the headline gives every chunk its topic."""
    return f"{article.title}\n{chunk_text}" if article.title else chunk_text


@dataclass(frozen=True)
class CorpusIndex:
    path: Path
    manifest: dict
    articles: tuple[Article, ...]
    chunk_rows: np.ndarray  # (n, 4): article row, start, end, index within article
    vectors: faiss.Index
    lexical: LexicalIndex
    sentence_rows: np.ndarray  # (m, 3): article row, start, end
    sentence_vectors: np.ndarray  # (m, dimension) float16

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def model(self) -> ModelIdentity:
        return _model_identity(self.manifest["model"])

    def __len__(self) -> int:
        return len(self.chunk_rows)

    def chunk(self, row: int) -> Chunk:
        article_row, start, end, index = (int(v) for v in self.chunk_rows[row])
        article = self.articles[article_row]
        return Chunk(article.id, index, start, end, article.text[start:end])

    def article_of(self, row: int) -> Article:
        return self.articles[int(self.chunk_rows[row, 0])]

    def sentences_of_chunk(self, row: int) -> np.ndarray:
        """Sentence rows inside chunk ``row`` (sentence rows are grouped by article, in order)."""
        article_row, start, end, _ = (int(v) for v in self.chunk_rows[row])
        first, last = _group_bounds(self.sentence_rows[:, 0], article_row)
        starts = self.sentence_rows[first:last, 1]
        ends = self.sentence_rows[first:last, 2]
        return first + np.flatnonzero((starts < end) & (ends > start))


def _group_bounds(owners: np.ndarray, article_row: int) -> tuple[int, int]:
    return int(np.searchsorted(owners, article_row)), int(np.searchsorted(owners, article_row, side="right"))


# --- building -----------------------------------------------------------------------------


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


def _stack(tables: list[np.ndarray], width: int) -> np.ndarray:
    return np.concatenate(tables) if tables else np.zeros((0, width), dtype=np.int64)


def _embed_passages(texts: Sequence[str], embedder: Embedder, *, show_progress: bool, desc: str = "Embedding") -> np.ndarray:
    """Embed in batches of similar length (little padding), then put rows back in order."""
    vectors = np.zeros((len(texts), embedder.identity.dimension), dtype=np.float32)
    order = np.argsort([len(t) for t in texts], kind="stable")
    batches = [order[i : i + _EMBED_BATCH] for i in range(0, len(order), _EMBED_BATCH)]
    for batch in progress(batches, desc=desc, unit="batch", enabled=show_progress, total=len(batches)):
        with stage("embedding"):
            vectors[batch] = embedder.embed([texts[i] for i in batch], kind="passage")
        checkpoint("embedding")
    return vectors


def corpus_fingerprint(articles: Iterable[Article]) -> str:
    digest = hashlib.sha256()
    for key in sorted(f"{a.id}\x1f{a.content_hash}" for a in articles):
        digest.update(key.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:32]


def _article_record(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "date": str(article.date) if article.date else None,
        "text": article.text,
        "source": article.source,
        "url": article.url,
        "title_derived": article.title_derived,
        "origin": article.origin,
        "content_hash": article.content_hash,
    }


def _article_from_record(record: dict) -> Article:
    return Article(
        id=record["id"],
        title=record["title"],
        date=ArticleDate.parse(record["date"]) if record["date"] else None,
        text=record["text"],
        source=record["source"],
        url=record.get("url"),
        title_derived=bool(record.get("title_derived")),
        origin=record.get("origin", ""),
    )


def _write_files(folder: Path, plan: BuildPlan) -> None:
    tables = plan.tables
    with stage("writing"):
        with (folder / "articles.jsonl").open("w", encoding="utf-8") as out:
            for article in plan.articles:
                out.write(json.dumps(_article_record(article), ensure_ascii=False) + "\n")
        np.save(folder / "chunks.npy", tables.chunk_rows, allow_pickle=False)
        np.save(folder / "sentences.npy", tables.sentence_rows, allow_pickle=False)
        np.save(folder / "sentence_vectors.npy", tables.sentence_vectors, allow_pickle=False)
    checkpoint("writing")
    with stage("faiss"):
        faiss.write_index(vector_index(tables.chunk_vectors), str(folder / "vectors.faiss"))
    with stage("bm25"):
        (folder / "bm25").mkdir()
        LexicalIndex.build(_chunk_texts(plan.articles, tables.chunk_rows)).save(folder / "bm25")


def vector_index_kind(count: int) -> str:
    return "IndexFlatIP" if count < APPROXIMATE_FROM else "IndexHNSWFlat"


def vector_index(vectors: np.ndarray) -> faiss.Index:
    """Exact search while it is fast enough, HNSW beyond ``APPROXIMATE_FROM`` chunks.

    bench/ann.py measured both on the default model's real vectors: where the switch sits, flat
    search time per question and HNSW's recall@10 against flat at this ``efSearch``.
    """
    if vector_index_kind(len(vectors)) == "IndexFlatIP":
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def _checksums(folder: Path) -> dict[str, dict[str, object]]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    with stage("checksums"):
        return {str(p.relative_to(folder)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in files}


@dataclass(frozen=True)
class Tables:
    """Chunk and sentence rows of a corpus with their vectors."""

    chunk_rows: np.ndarray
    chunk_vectors: np.ndarray
    sentence_rows: np.ndarray
    sentence_vectors: np.ndarray
    embedded_chunks: int


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
    rows = _stack(tables, width)
    fresh = np.array([articles[a].id not in reusable for a in rows[:, 0]], dtype=bool)
    return rows, fresh, kept


def _fill(fresh: np.ndarray, kept: list[int], stored: np.ndarray | None, texts: list[str], embedder: Embedder,
          *, dtype: type, show_progress: bool, desc: str) -> np.ndarray:
    vectors = np.zeros((len(fresh), embedder.identity.dimension), dtype=dtype)
    if kept:
        vectors[~fresh] = stored[kept]
    vectors[fresh] = _embed_passages(texts, embedder, show_progress=show_progress, desc=desc)
    return vectors


def _tables(articles: Sequence[Article], *, settings: ChunkSettings, embedder: Embedder, current: CorpusIndex | None,
            reusable: set[str], show_progress: bool) -> Tables:
    """Embed what is new; copy rows and vectors of reusable articles from ``current``."""
    old_articles = current.articles if current else ()
    with stage("chunking"):
        chunk_rows, chunk_fresh, chunk_kept = _merge_rows(
            articles, reusable, _ranges(current and current.chunk_rows, old_articles), current and current.chunk_rows,
            lambda a, r: _chunk_rows(a, r, settings), 4)
        sentence_rows, sentence_fresh, sentence_kept = _merge_rows(
            articles, reusable, _ranges(current and current.sentence_rows, old_articles), current and current.sentence_rows,
            _sentence_rows, 3)
    stored_chunks = current.vectors.reconstruct_n(0, current.vectors.ntotal) if current and chunk_kept else None
    chunk_vectors = _fill(chunk_fresh, chunk_kept, stored_chunks, _chunk_texts(articles, chunk_rows[chunk_fresh]),
                          embedder, dtype=np.float32, show_progress=show_progress, desc="Embedding passages")
    sentence_vectors = _fill(sentence_fresh, sentence_kept, current.sentence_vectors if current else None,
                             _sentence_texts(articles, sentence_rows[sentence_fresh]), embedder, dtype=np.float16,
                             show_progress=show_progress, desc="Embedding sentences")
    return Tables(chunk_rows, chunk_vectors, sentence_rows, sentence_vectors, int(chunk_fresh.sum()))


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


def _write_version(plan: BuildPlan, target: Path) -> None:
    version = new_version_dir(target)
    try:
        _write_files(version, plan)
        manifest = {
            "format_version": FORMAT_VERSION,
            "name": plan.name,
            "model": plan.model.to_dict(),
            "chunking": plan.chunking.to_dict(),
            "corpus_fingerprint": corpus_fingerprint(plan.articles),
            "counts": {
                "articles": len(plan.articles),
                "chunks": int(len(plan.tables.chunk_rows)),
                "sentences": int(len(plan.tables.sentence_rows)),
                "dated_articles": sum(a.date is not None for a in plan.articles),
            },
            "faiss_index": vector_index_kind(len(plan.tables.chunk_rows)),
            "sources": list(plan.sources),
            "created_at": plan.created_at,
            "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - plan.started, 2),
            "files": _checksums(version),
            "build_stages_seconds": snapshot(),  # embedding includes tokenising and model
        }
        write_json(version / "manifest.json", manifest)
        publish(version, target)
    except BaseException:
        discard(version)
        raise


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
        tables = _tables(articles, settings=chunking, embedder=embedder, current=None, reusable=set(),
                         show_progress=show_progress)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        plan = BuildPlan(target.name, articles, tables, embedder.identity, chunking, tuple(str(s) for s in sources),
                         now, started)
        with writer_lock(target):
            _write_version(plan, target)
    return open_index(target, model=embedder.identity)


# --- opening ------------------------------------------------------------------------------


def _rebuild_hint(manifest: dict | None, target: Path) -> str:
    sources = " ".join((manifest or {}).get("sources") or ["PATH..."])
    return f"rebuild it with: qa index build {sources} --name {target.name}"


_MANIFEST_FIELDS = {"name": str, "model": dict, "chunking": dict, "counts": dict, "files": dict, "created_at": str}


def _read_manifest(target: Path, folder: Path) -> dict:
    if not target.exists():
        raise IndexNotFoundError(f"no index at {target}; build one with: qa index build PATH... --name {target.name}")
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index {target}: manifest.json is missing or damaged ({exc}); {_rebuild_hint(None, target)}") from None
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"index {target}: manifest.json is not a JSON object; {_rebuild_hint(None, target)}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"index {target} has format version {manifest.get('format_version')}, this program reads {FORMAT_VERSION}; "
            + _rebuild_hint(manifest, target)
        )
    missing = [key for key, kind in _MANIFEST_FIELDS.items() if not isinstance(manifest.get(key), kind)]
    if missing or not all(isinstance(entry, dict) for entry in manifest["files"].values()):
        raise IndexCorruptError(f"index {target}: manifest.json lacks {', '.join(missing) or 'file checksums'}; "
                                + _rebuild_hint(manifest, target))
    return manifest


def _verify_files(target: Path, folder: Path, manifest: dict) -> None:
    for relative, expected in manifest["files"].items():
        path = folder / relative
        problem = None
        if not path.is_file():
            problem = "is missing"
        elif path.stat().st_size != expected.get("bytes"):
            problem = f"has {path.stat().st_size} bytes, expected {expected.get('bytes')} (truncated?)"
        elif sha256_file(path) != expected.get("sha256"):
            problem = "does not match its checksum (corrupted)"
        if problem:
            raise IndexCorruptError(f"index {target}: {relative} {problem}; {_rebuild_hint(manifest, target)}")


def open_index(name_or_path: str | Path, *, model: ModelIdentity | None = None, verify: bool = True) -> CorpusIndex:
    """Load a saved index, refusing one that is damaged or was built by another model.

    Everything is read from the one version the name points at when opening starts. If a
    writer publishes a new version meanwhile and removes that one, the new one is opened.
    """
    target = resolve_index_path(name_or_path)
    folder = target.resolve()
    try:
        return _load_version(target, folder, model=model, verify=verify)
    except (OSError, IndexCorruptError):
        if target.resolve() == folder:
            raise
        return _load_version(target, target.resolve(), model=model, verify=verify)


def _model_identity(model: dict) -> ModelIdentity:
    return ModelIdentity(model["name"], model["fingerprint"], int(model["dimension"]), model.get("backend", "torch"))


def index_model(name_or_path: str | Path) -> ModelIdentity:
    """The model and backend an index was built with, from its manifest alone (nothing else read)."""
    target = resolve_index_path(name_or_path)
    return _model_identity(_read_manifest(target, target.resolve())["model"])


def check_model(index_name: str, built_with: dict, model: ModelIdentity) -> None:
    """Vectors from another model, or the same model on another backend, do not compare."""
    if (built_with["name"], built_with["fingerprint"]) == (model.name, model.fingerprint):
        return
    backend = built_with.get("backend", "torch")
    if (built_with["name"], backend) == (model.name, model.backend):
        raise ModelMismatchError(
            f"index {index_name} was built with an earlier version of model {model.name!r} on {backend} "
            f"({built_with['fingerprint']}, now {model.fingerprint}); rebuild it"
        )
    raise ModelMismatchError(
        f"index {index_name} was built with model {built_with['name']!r} on backend {backend} "
        f"({built_with['fingerprint']}), not {model.name!r} on {model.backend} ({model.fingerprint}); "
        f"open it with --model {built_with['name']} --backend {backend} or rebuild it"
    )


def _load_version(target: Path, folder: Path, *, model: ModelIdentity | None, verify: bool) -> CorpusIndex:
    manifest = _read_manifest(target, folder)
    if verify:
        _verify_files(target, folder, manifest)
    if model is not None:
        check_model(target.name, manifest["model"], model)
    with (folder / "articles.jsonl").open(encoding="utf-8") as handle:
        articles = tuple(_article_from_record(json.loads(line)) for line in handle)
    rows = np.load(folder / "chunks.npy", allow_pickle=False)
    # Memory-mapped where FAISS and bm25s allow it: the pages live in the OS page cache, shared by
    # every process that opens this version, instead of a private copy per process. (Opening
    # still reads each file once to verify its SHA-256, unless verify=False.)
    exact = manifest.get("faiss_index", "IndexFlatIP") == "IndexFlatIP"
    vectors = faiss.read_index(str(folder / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC if exact else 0)
    lexical = LexicalIndex.load(folder / "bm25", size=len(rows), mmap=True)
    sentence_rows = np.load(folder / "sentences.npy", allow_pickle=False)
    sentence_vectors = np.load(folder / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r")
    return CorpusIndex(target, manifest, articles, rows, vectors, lexical, sentence_rows, sentence_vectors)


def index_exists(name_or_path: str | Path) -> bool:
    return (resolve_index_path(name_or_path) / "manifest.json").is_file()


# --- incremental updates ------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateReport:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    embedded_chunks: int = 0


def _save_update(current: CorpusIndex, articles: tuple[Article, ...], embedder: Embedder, reusable: set[str],
                 *, sources: Sequence[str], show_progress: bool, started: float) -> tuple[CorpusIndex, int]:
    settings = ChunkSettings(**current.manifest["chunking"])
    with collect():
        tables = _tables(articles, settings=settings, embedder=embedder, current=current, reusable=reusable,
                         show_progress=show_progress)
        plan = BuildPlan(current.path.name, articles, tables, embedder.identity, settings, tuple(sources),
                         current.manifest["created_at"], started)
        _write_version(plan, current.path)
    return open_index(current.path, model=embedder.identity), tables.embedded_chunks


def add_to_index(
    name_or_path: str | Path, articles: Sequence[Article], *, embedder: Embedder, sources: Sequence[str] = (),
    show_progress: bool = False,
) -> tuple[CorpusIndex, UpdateReport]:
    """Add new articles and replace changed ones (same id, new text); embed only those."""
    started = time.perf_counter()
    target = resolve_index_path(name_or_path)
    with writer_lock(target):
        current = open_index(target, model=embedder.identity)
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
        all_sources = list(dict.fromkeys([*current.manifest.get("sources", []), *map(str, sources)]))
        index, embedded = _save_update(current, merged, embedder, reusable, sources=all_sources,
                                       show_progress=show_progress, started=started)
    return index, UpdateReport(tuple(added), tuple(changed), tuple(sorted(unchanged)), (), embedded)


def remove_from_index(name_or_path: str | Path, ids: Iterable[str], *, embedder: Embedder) -> tuple[CorpusIndex, UpdateReport]:
    """Drop articles by id; an unknown id is an error, so a typo never passes silently."""
    started = time.perf_counter()
    target = resolve_index_path(name_or_path)
    with writer_lock(target):
        current = open_index(target, model=embedder.identity)
        drop = set(ids)
        missing = drop - {a.id for a in current.articles}
        if missing:
            raise UnknownArticleError(f"index {target.name} has no article with id {', '.join(sorted(missing))}")
        kept = tuple(a for a in current.articles if a.id not in drop)
        index, _ = _save_update(current, kept, embedder, {a.id for a in kept},
                                sources=current.manifest.get("sources", []), show_progress=False, started=started)
    return index, UpdateReport(removed=tuple(sorted(drop)))
