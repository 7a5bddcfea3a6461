"""``qa index add`` of 100 articles: today's full rewrite against the incremental update, per stage.

Two parts, both on VNTC articles (../shared/data/vntc-articles.jsonl.gz), each adding the last
``--added`` articles to an index of the ones before them, once through ``add_to_index(...,
rebuild=True)`` (BM25 over every passage and the vector index built anew, every file hashed:
what every add did before) and once through the incremental path, each on its own copy of the
same base version (hard-linked: versions never change):

- ``--scale``: the full corpus (33,609 + 100 articles, ~205,000 passages, HNSW). Embedding it
  with the real model takes hours here, so every vector comes from a stand-in embedder that
  hashes syllables into 384 signed dimensions (texts sharing words are near, as with a model);
  everything else (chunking, BM25, HNSW, files, checksums, the full check before the add) is
  the real code at full size. Per stage, the wall clock of each add, and whether the two
  resulting indexes give the same BM25 scores, the same fused top 10, and how the grown HNSW
  graph's neighbours compare with the rebuilt one's against exact search.
- ``--latency`` (after ``--scale``): BM25 scoring time per question over the full corpus, in
  two segments, in one, and as bm25s' precomputed scores (a format-3 index), built in memory.
- ``--merge``: the BM25 merge the policy runs once over a quarter of the rows are dead, at full
  size (a third removed), against BM25 built over the passages left.
- ``--model``: a small index with the default model (int8), so the model's own time for the
  100 articles is measured, and every answer of ``ask()`` compared between the two paths.

    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false \\
        nice -n 15 .venv/bin/python bench/incremental_add.py --scale --latency --model

Writes bench/results/incremental_add.json. Index names start with ``incr-``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import sys
import time
import zlib
from itertools import islice
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VNTC = ROOT.parent / "shared" / "data" / "vntc-articles.jsonl.gz"
RESULT = ROOT / "bench" / "results" / "incremental_add.json"
WAYS = ("rebuild", "incremental")


class StandInEmbedder:
    """Syllables hashed into signed dimensions, normalised: fast, deterministic, word-sensitive."""

    def __init__(self, dimension: int = 384) -> None:
        from qa.models.embedder import ModelIdentity

        self.identity = ModelIdentity("bench-stand-in", f"crc32-{dimension}", dimension)

    def embed(self, texts, *, kind: str) -> np.ndarray:
        from qa.ingest.text import folded_tokens

        dimension = self.identity.dimension
        out = np.zeros((len(texts), dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            hashes = np.fromiter((zlib.crc32(t.encode()) for t in folded_tokens(text)), dtype=np.int64)
            np.add.at(out[row], hashes % dimension, np.where((hashes >> 16) & 1, 1.0, -1.0))
        out[np.linalg.norm(out, axis=1) == 0, 0] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def vntc_articles(count: int | None):
    from qa.ingest.corpus import load_articles

    articles = load_articles([VNTC]).articles
    return tuple(islice(articles, count))


def linked_copy(name: str, copy: str) -> str:
    """A second index name over a hard-linked copy of ``name``'s version."""
    from qa.index.names import resolve_index_path

    source, target = resolve_index_path(name), resolve_index_path(copy)
    version = target.parent / f".{copy}.base"
    for stale in (target, version):
        if stale.is_symlink() or stale.is_file():
            stale.unlink()
        elif stale.exists():
            shutil.rmtree(stale)
    shutil.copytree(source.resolve(), version, copy_function=os.link)
    os.symlink(version.name, target)
    return copy


def peak_rss_mb() -> float:
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def timed_add(name: str, added, embedder, *, rebuild: bool) -> dict:
    from qa.index.opening import open_index
    from qa.index.updating import add_to_index

    started = time.perf_counter()
    open_index(name, checksums="all")
    check = time.perf_counter() - started
    started = time.perf_counter()
    index, report = add_to_index(name, added, embedder=embedder, rebuild=rebuild)
    wall = time.perf_counter() - started
    return {"add_seconds": round(wall, 2), "of_which_full_check_seconds": round(check, 2),
            "stages_seconds": dict(index.manifest.build_stages_seconds),
            "embedded_chunks": report.embedded_chunks, "passages": len(index),
            "bm25_segments": len(index.lexical.segments or ()), "vector_index": index.manifest.vector_index,
            "files": len(index.manifest.files), "bytes": index.manifest.size_bytes}


def queries(articles, count: int, seed: int = 7) -> list[str]:
    """Titles and first sentences of random articles, half of them without diacritics."""
    from qa.ingest.text import fold_accents, sentence_spans

    rng = np.random.default_rng(seed)
    picked = [articles[i] for i in rng.choice(len(articles), size=count, replace=False)]
    texts = [a.title or a.text[slice(*sentence_spans(a.text)[0])] for a in picked]
    return [t if i % 2 else fold_accents(t) for i, t in enumerate(texts)]


def compare(names: dict[str, str], questions: list[str], embedder) -> dict:
    """Same BM25 scores in both indexes; the dense and fused top 10 of each against the rebuilt
    index's, beside a second build of the vector index from the same vectors (HNSW is built by
    two threads, so two builds need not agree either); dense recall@10 against exact search."""
    from qa.index import dense
    from qa.index.opening import open_index
    from qa.index.retrieve import Retriever

    opened = {way: open_index(name, verify=False) for way, name in names.items()}
    rebuilt, grown = opened["rebuild"], opened["incremental"]
    stored = dense.stored_vectors(rebuilt.vectors)
    opened["rebuild_again"] = dataclasses.replace(rebuilt, vectors=dense.build_vector_index(stored))
    bm25_equal = sum(np.array_equal(rebuilt.lexical.scores(q), grown.lexical.scores(q)) for q in questions)
    bm25_diff = max(float(np.abs(rebuilt.lexical.scores(q) - grown.lexical.scores(q)).max()) for q in questions)
    vectors = embedder.embed(questions, kind="query")
    exact = np.argsort(-(stored @ vectors.T), axis=0)[:10].T
    dense_top = {way: [list(h.rows) for h in dense.search(index.vectors, vectors, k=10)] for way, index in opened.items()}
    fused = {way: [[p.row for p in Retriever(index, embedder).search(q, k=10)] for q in questions]
             for way, index in opened.items()}

    def identical(lists: dict, way: str) -> int:
        return sum(a == b for a, b in zip(lists[way], lists["rebuild"]))

    return {"questions": len(questions), "bm25_scores_identical": int(bm25_equal), "bm25_max_abs_difference": bm25_diff,
            "stored_vectors_identical": bool(np.array_equal(stored, dense.stored_vectors(grown.vectors))),
            "vector_index": rebuilt.manifest.vector_index,
            "same_top10_as_rebuild": {f"{kind}_{way}": identical(lists, way) for kind, lists in
                                      (("dense", dense_top), ("fused", fused)) for way in ("incremental", "rebuild_again")},
            "dense_recall_at_10_vs_exact": {way: round(float(np.mean([len(set(r) & set(e)) / 10 for r, e in zip(rows, exact)])), 4)
                                            for way, rows in dense_top.items()}}


def run_part(prefix: str, articles, added_count: int, embedder, *, ask_answers: bool) -> dict:
    from qa.index.building import build_index

    base, added = articles[:-added_count], articles[-added_count:]
    started = time.perf_counter()
    built = build_index(base, name_or_path=prefix, embedder=embedder)
    result = {"base_articles": len(base), "base_passages": len(built), "added_articles": len(added),
              "base_build_seconds": round(time.perf_counter() - started, 1),
              "base_build_stages_seconds": dict(built.manifest.build_stages_seconds)}
    names = {way: linked_copy(prefix, f"{prefix}-{way}") for way in WAYS}
    for way in WAYS:  # one after the other, same page cache state for the base files
        result[way] = timed_add(names[way], added, embedder, rebuild=way == "rebuild")
        print(way, json.dumps(result[way]), flush=True)
    result["speedup"] = round(result["rebuild"]["add_seconds"] / result["incremental"]["add_seconds"], 2)
    result["equal"] = compare(names, queries(articles, 200), embedder)
    if ask_answers:
        result["answers"] = compare_answers(names, queries(articles, 60, seed=11), embedder)
    return result


def bm25_latency(prefix: str, articles) -> dict:
    """Median ms of BM25 scoring over every passage: the grown index (two segments), the rebuilt
    one (one segment), and bm25s' precomputed scores over the same passages (how a format-3
    index is searched), built here in memory; and how far the format-3 scores are from these."""
    import bm25s

    from qa.index.building import _chunk_texts
    from qa.index.lexical import LexicalIndex, PrecomputedField, folded_document_tokens, marked_document_tokens
    from qa.index.opening import open_index
    from qa.index.vocabulary import Vocabulary

    indexes = {way: open_index(f"{prefix}-{way}", verify=False) for way in WAYS}
    rebuilt = indexes["rebuild"]
    texts = _chunk_texts(rebuilt.articles, rebuilt.chunk_rows)
    fields = []
    for tokens_of in (marked_document_tokens, folded_document_tokens):
        numbering = {"": 0}
        ids = [[numbering.setdefault(t, len(numbering)) for t in tokens_of(text)] or [0] for text in texts]
        model = bm25s.BM25()
        model.index((ids, numbering), show_progress=False)
        fields.append(PrecomputedField(model, Vocabulary.from_dict(numbering)))
    lexicals = {**{way: index.lexical for way, index in indexes.items()},
                "format3_precomputed": LexicalIndex(*fields, len(texts), None)}
    questions = queries(articles, 300, seed=13)
    result = {}
    for way, lexical in lexicals.items():
        lexical.scores(questions[0])
        times = []
        for question in questions:
            started = time.perf_counter()
            lexical.scores(question)
            times.append(time.perf_counter() - started)
        result[f"{way}_median_ms"] = round(1000 * float(np.median(times)), 2)
        result[f"{way}_p95_ms"] = round(1000 * float(np.percentile(times, 95)), 2)
    result["format3_vs_segmented_max_difference_over_top_score"] = max(
        float(np.max(np.abs(lexicals["format3_precomputed"].scores(q) - rebuilt.lexical.scores(q)))
              / max(float(rebuilt.lexical.scores(q).max()), 1e-9)) for q in questions)
    return {"questions": len(questions), **result}


def merge_cost(articles) -> dict:
    """The merge policy's costly case at full size: a third of the passages removed, so the one
    segment is merged (from its arrays, no tokenising); scores against BM25 built over the rest."""
    from qa.index.corpus_index import passage_text
    from qa.index.lexical import LexicalIndex
    from qa.ingest.chunking import ChunkSettings, chunk_article

    texts = [passage_text(a, a.text[c.start : c.end]) for a in articles for c in chunk_article(a, settings=ChunkSettings())]
    started = time.perf_counter()
    index = LexicalIndex.build(texts)
    built = time.perf_counter() - started
    dead = np.random.default_rng(5).random(len(texts)) < 1 / 3
    carried = np.where(dead, -1, np.cumsum(~dead) - 1)
    started = time.perf_counter()
    merged = index.extended(carried=carried, rows=np.zeros(0, dtype=np.int64), texts=[], size=int((~dead).sum()))
    merging = time.perf_counter() - started
    fresh = LexicalIndex.build([t for t, gone in zip(texts, dead) if not gone])
    questions = queries(articles, 100, seed=17)
    return {"passages": len(texts), "removed": int(dead.sum()), "segments_after": len(merged.segments),
            "build_seconds": round(built, 1), "merge_seconds": round(merging, 1),
            "scores_identical_to_a_build_over_the_rest": sum(np.array_equal(merged.scores(q), fresh.scores(q))
                                                             for q in questions),
            "questions": len(questions), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def compare_answers(names: dict[str, str], questions: list[str], embedder) -> dict:
    from qa.assistant import Assistant
    from qa.index.opening import open_index

    answers = {way: [a.to_dict() for a in Assistant(open_index(name), embedder).ask_batch(questions)]
               for way, name in names.items()}
    same = sum(a == b for a, b in zip(answers["rebuild"], answers["incremental"]))
    return {"questions": len(questions), "identical_answers": same}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", action="store_true", help="full VNTC with stand-in vectors")
    parser.add_argument("--model", action="store_true", help="a small index with the default model")
    parser.add_argument("--scale-articles", type=int, help="fewer VNTC articles for --scale (a trial run)")
    parser.add_argument("--model-articles", type=int, default=400)
    parser.add_argument("--added", type=int, default=100)
    parser.add_argument("--latency", action="store_true", help="BM25 query time on the --scale indexes (built before)")
    parser.add_argument("--merge", action="store_true", help="BM25 merge of a third of the full corpus removed")
    args = parser.parse_args()
    report = json.loads(RESULT.read_text()) if RESULT.is_file() else {}
    if args.scale:
        report["full_vntc_stand_in_vectors"] = run_part("incr-vntc", vntc_articles(args.scale_articles), args.added, StandInEmbedder(),
                                                        ask_answers=False)
    if args.latency:
        part = report.setdefault("full_vntc_stand_in_vectors", {})
        part["bm25_scoring"] = bm25_latency("incr-vntc", vntc_articles(args.scale_articles))
    if args.merge:
        report["bm25_merge_full_vntc"] = merge_cost(vntc_articles(args.scale_articles))
    if args.model:
        from qa.models.embedder import make_embedder

        report["default_model"] = run_part("incr-model", vntc_articles(args.model_articles), args.added, make_embedder(),
                                           ask_answers=True)
    if args.scale or args.model:  # the --merge section carries its own date
        report.update(measured_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), peak_rss_mb=round(peak_rss_mb()),
                      threads=os.environ.get("OMP_NUM_THREADS"))
    RESULT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
