"""Exact (flat) against approximate (HNSW) FAISS search as the number of vectors grows.

The vectors are real: every chunk and sentence vector stored in the indexes named (the
default model's passages of VNTC, ViNewsQA and Dân trí articles), pooled and shuffled with a
fixed seed; sizes beyond that pool add noisy copies of real vectors (``grown``). The queries
are real ViNewsQA dev questions embedded as the assistant embeds them.
For each size: flat search time per question (one question per call, as `ask()` does, for the
retriever's 50 candidates), HNSW build time, search time and recall@10 against flat at a few
`efSearch` values. The result decides where `qa/index.py` switches from flat to HNSW.
Writes bench/results/ann.json.

    .venv/bin/python bench/ann.py --index vntc-5000 --index vntc-1000 [--sizes 10000,50000,100000,229000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from itertools import islice
from pathlib import Path

import faiss
import numpy as np

from qa.index.dense import HNSW_EF_CONSTRUCTION, HNSW_M
from qa.eval.metrics import latency_summary
from qa.index.retrieve import RetrievalSettings

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "vinewsqa-dev" / "qa.jsonl.gz"
RESULT = ROOT / "bench" / "results" / "ann.json"
CANDIDATES = RetrievalSettings().candidates  # what the retriever asks FAISS for
EF_SEARCH = (64, 128, 256)


def pooled_vectors(names: list[str]) -> np.ndarray:
    from qa.index.opening import open_index

    parts = []
    for name in names:
        index = open_index(name, verify=False)
        parts.append(index.vectors.reconstruct_n(0, index.vectors.ntotal))
        parts.append(np.asarray(index.sentence_vectors, dtype=np.float32))
    pool = np.concatenate(parts)
    pool /= np.linalg.norm(pool, axis=1, keepdims=True)
    return pool[np.random.default_rng(7).permutation(len(pool))]


def grown(pool: np.ndarray, size: int) -> np.ndarray:
    """``size`` vectors: the real ones first, then noisy copies of them (each moved by about
    0.1 in cosine distance), so a size beyond the real pool keeps its clusters and density."""
    if size <= len(pool):
        return pool[:size]
    rng = np.random.default_rng(11)
    copies = pool[rng.integers(0, len(pool), size - len(pool))]
    copies = copies + rng.normal(0, 0.45 / np.sqrt(pool.shape[1]), copies.shape).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    return np.concatenate([pool, copies])


def query_vectors(count: int) -> np.ndarray:
    from qa.models.embedder import SentenceTransformerEmbedder

    with gzip.open(QUESTIONS, "rt", encoding="utf-8") as handle:
        questions = [json.loads(line)["question"] for line in islice(handle, count)]
    return SentenceTransformerEmbedder().embed(questions, kind="query")


def per_query_ms(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        _, rows = index.search(query.reshape(1, -1), k)
        times.append(1000 * (time.perf_counter() - started))
        found.append(rows[0])
    return times, np.array(found)


def recall_at_10(approximate: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a[:10]) & set(e[:10])) / 10 for a, e in zip(approximate, exact)]))


def measure(vectors: np.ndarray, queries: np.ndarray) -> dict:
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    flat_times, exact = per_query_ms(flat, queries, CANDIDATES)
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(vectors)
    build_seconds = time.perf_counter() - started
    runs = {}
    for ef in EF_SEARCH:
        hnsw.hnsw.efSearch = ef
        times, approximate = per_query_ms(hnsw, queries, CANDIDATES)
        runs[str(ef)] = {**latency_summary(times), "recall_at_10": round(recall_at_10(approximate, exact), 4)}
    return {
        "vectors": len(vectors),
        "flat": {**latency_summary(flat_times), "bytes_per_vector": vectors.shape[1] * 4},
        "hnsw": {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "build_seconds": round(build_seconds, 1),
                 "by_efSearch": runs, "bytes_per_vector_approx": vectors.shape[1] * 4 + HNSW_M * 2 * 4},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", action="append", required=True, help="an index whose vectors join the pool")
    parser.add_argument("--sizes", default="10000,50000,100000,229000,400000")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    faiss.omp_set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    pool = pooled_vectors(args.index)
    queries = query_vectors(args.queries)
    sizes = [int(s) for s in args.sizes.split(",")]
    result = {"real_vectors": len(pool), "sources": args.index, "queries": len(queries), "candidates": CANDIDATES,
              "threads": os.environ.get("OMP_NUM_THREADS", "default"),
              "sizes": [measure(grown(pool, size), queries) for size in sizes]}
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
