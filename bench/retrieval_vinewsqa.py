"""Article-level retrieval on UIT-ViNewsQA: BM25, dense and the fusions, on the same questions.

The corpus is the 900 ViNewsQA articles (optionally plus the 2,653 Dân trí articles as
distractors); a question is answered from the article it was written on (``context_id``).
Results go to bench/results/retrieval_vinewsqa[_dantri].json.

    .venv/bin/python bench/retrieval_vinewsqa.py [--with-dantri] [--split dev] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

from qa.ingest.corpus import load_articles
from qa.models.embedder import SentenceTransformerEmbedder
from qa.errors import IndexCorruptError, ModelMismatchError
from qa.index.building import build_index
from qa.index.names import index_exists
from qa.index.opening import open_index
from qa.index.retrieve import RetrievalSettings, Retriever

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
KS = (1, 5, 10, 20)
SETTINGS = {
    "bm25": RetrievalSettings(mode="bm25", candidates=100),
    "dense": RetrievalSettings(mode="dense", candidates=100),
    "hybrid rrf k=60": RetrievalSettings(fusion="rrf", rrf_k=60, candidates=100),
    "hybrid rrf k=20": RetrievalSettings(fusion="rrf", rrf_k=20, candidates=100),
    "hybrid weighted 0.2": RetrievalSettings(fusion="weighted", dense_weight=0.2, candidates=100),
    "hybrid weighted 0.3": RetrievalSettings(fusion="weighted", dense_weight=0.3, candidates=100),
    "hybrid weighted 0.4": RetrievalSettings(fusion="weighted", dense_weight=0.4, candidates=100),
    "hybrid weighted 0.5": RetrievalSettings(fusion="weighted", dense_weight=0.5, candidates=100),
    "hybrid weighted 0.7": RetrievalSettings(fusion="weighted", dense_weight=0.7, candidates=100),
}


def questions(split: str, limit: int | None) -> list[dict]:
    with gzip.open(DATA / "vinewsqa-dev" / "qa.jsonl.gz", "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    rows = [r for r in rows if split == "all" or r["split"] == split]
    return rows[:limit] if limit else rows


def open_or_build(name: str, paths: list[Path], embedder) -> object:
    """Reuse a saved index when it is current; rebuild one made by another model or format."""
    if index_exists(name):
        try:
            return open_index(name, model=embedder.identity)
        except (IndexCorruptError, ModelMismatchError) as exc:
            print(f"rebuilding {name}: {exc}", file=sys.stderr)
    articles = load_articles(paths).articles
    started = time.perf_counter()
    index = build_index(articles, name_or_path=name, embedder=embedder, sources=[str(p) for p in paths], show_progress=True)
    print(f"built {name}: {len(articles)} articles, {len(index)} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return index


def article_ranks(passages, gold: str) -> int | None:
    seen = []
    for passage in passages:
        if passage.article.id not in seen:
            seen.append(passage.article.id)
        if passage.article.id == gold:
            return len(seen)
    return None


def evaluate(index, embedder, rows, vectors) -> dict:
    results = {}
    texts = [r["question"] for r in rows]
    for label, settings in SETTINGS.items():
        retriever = Retriever(index, embedder, settings=settings)
        started = time.perf_counter()
        found = retriever.search_batch(texts, k=100, vectors=vectors)
        seconds = time.perf_counter() - started
        ranks = [article_ranks(p, r["context_id"]) for p, r in zip(found, rows)]
        results[label] = {
            **{f"R@{k}": round(100 * float(np.mean([x is not None and x <= k for x in ranks])), 1) for k in KS},
            "MRR@10": round(float(np.mean([1 / x if x and x <= 10 else 0 for x in ranks])), 4),
            "ms_per_question_excl_embedding": round(1000 * seconds / len(rows), 2),
        }
        print(f"{label:22s} " + "  ".join(f"{k} {v}" for k, v in results[label].items()), file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--with-dantri", action="store_true")
    parser.add_argument("--split", default="dev", choices=["dev", "train_subset2000", "all"])
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder(show_progress=True)
    paths = [DATA / "vinewsqa-dev" / "contexts.jsonl.gz"] + ([DATA / "dantri-articles.jsonl.gz"] if args.with_dantri else [])
    name = "vinewsqa-dantri" if args.with_dantri else "vinewsqa"
    index = open_or_build(name, paths, embedder)
    rows = questions(args.split, args.limit)
    started = time.perf_counter()
    vectors = embedder.embed([r["question"] for r in rows], kind="query")
    embed_ms = 1000 * (time.perf_counter() - started) / len(rows)
    report = {
        "corpus": [p.name for p in paths], "articles": len(index.articles), "chunks": len(index), "split": args.split,
        "questions": len(rows), "query_embedding_ms": round(embed_ms, 2), "results": evaluate(index, embedder, rows, vectors),
    }
    out = ROOT / "bench" / "results" / f"retrieval_{name}_{args.split}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
