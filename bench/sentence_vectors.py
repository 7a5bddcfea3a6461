"""Indexes without a vector per sentence: indexing speed, and what it costs each reader.

Builds used to embed every passage and every sentence; only the rules reader read the sentence
vectors. Now they embed passages only, and the rules reader embeds the sentences of the
passages it reads when it first reads them (a bounded cache keeps them).

1. Speed, one process: the first 1,000 VNTC articles (``bench/scale.py``'s reference size)
   built as ``qa index build`` builds now; then every sentence of them embedded the way builds
   did before (sorted by length, batches of 64), which is what storing sentence vectors cost.
   Articles per second without and with them.
2. Answers, ViNewsQA ``dev`` through ``qa eval``: over ``vinewsqa`` (built with sentence
   vectors) and ``raybench-vinewsqa`` (the same 900 articles built now, without): the span
   reader (the default) on both, and the rules reader on both (on the new one it embeds
   sentences as it reads them). The chunk vectors of the two indexes are compared first.
3. Rules latency with a warm cache: the same dev questions asked again of the same assistant.

    OMP_NUM_THREADS=2 nice -n 15 .venv/bin/python bench/sentence_vectors.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("..") / "shared" / "data"
VNTC = DATA / "vntc-articles.jsonl.gz"
GOLD = DATA / "vinewsqa-dev" / "qa.jsonl.gz"
CONTEXTS = DATA / "vinewsqa-dev" / "contexts.jsonl.gz"
RESULT = ROOT / "bench" / "results" / "sentence_vectors.json"
NEW_INDEX, OLD_INDEX = "raybench-vinewsqa", "vinewsqa"
EMBED_BATCH = 64  # as building._EMBED_BATCH


def speed(count: int) -> dict:
    from qa.index.building import build_index
    from qa.ingest.corpus import load_articles
    from qa.models.embedder import make_embedder

    embedder = make_embedder()
    with tempfile.TemporaryDirectory(prefix="sentence-vectors-") as scratch:
        path = Path(scratch) / "vntc.jsonl"
        with gzip.open(VNTC, "rt", encoding="utf-8") as source:
            path.write_text("".join(islice(source, count)), encoding="utf-8")
        started, cpu = time.perf_counter(), time.process_time()
        articles = load_articles([path]).articles
        index = build_index(articles, name_or_path=f"raybench-vntc-{count}-passages", embedder=embedder, show_progress=True)
        build_seconds, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    sentences = [index.articles[a].text[s:e] for a, s, e in index.sentence_rows.tolist()]
    started, cpu = time.perf_counter(), time.process_time()
    order = np.argsort([len(t) for t in sentences], kind="stable")
    for i in range(0, len(order), EMBED_BATCH):
        embedder.embed([sentences[j] for j in order[i : i + EMBED_BATCH]], kind="passage")
    sentence_seconds, sentence_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "articles": len(articles), "chunks": len(index), "sentences": len(sentences),
        "build_seconds_without_sentence_vectors": round(build_seconds, 1),
        "sentence_embedding_seconds": round(sentence_seconds, 1),
        "build_seconds_with_sentence_vectors": round(build_seconds + sentence_seconds, 1),
        "articles_per_second_without": round(len(articles) / build_seconds, 2),
        "articles_per_second_with": round(len(articles) / (build_seconds + sentence_seconds), 2),
        "speed_up": round((build_seconds + sentence_seconds) / build_seconds, 2),
        # CPU seconds of this process (all threads): less swayed than wall time by other work on the machine
        "build_cpu_seconds_without_sentence_vectors": round(build_cpu, 1),
        "sentence_embedding_cpu_seconds": round(sentence_cpu, 1),
        "speed_up_in_cpu_seconds": round((build_cpu + sentence_cpu) / build_cpu, 2),
        "stages_seconds": dict(index.manifest.build_stages_seconds),
    }


def same_chunk_vectors() -> dict:
    from qa.index.opening import open_index

    old, new = open_index(OLD_INDEX), open_index(NEW_INDEX)
    assert np.array_equal(old.chunk_rows, new.chunk_rows), "the two indexes chunk differently"
    difference = np.abs(old.vectors.reconstruct_n(0, len(old)) - new.vectors.reconstruct_n(0, len(new))).max()
    return {"chunks": len(new), "max_abs_difference": float(difference),
            "old_has_sentence_vectors": old.sentence_vectors is not None, "new_has_sentence_vectors": new.sentence_vectors is not None}


def answers(index: str, reader: str, limit: int | None) -> dict:
    from qa.eval.evaluate import evaluate

    report = evaluate(GOLD, index=index, split="dev", limit=limit, reader=reader, show_progress=True)
    o = report.to_dict()["runs"][0]["overall"]
    return {key: o[key] for key in ("questions", "exact_match", "f1", "contains", "latency_p50_ms", "latency_p95_ms")} | {
        "recall_at_1": o["recall"].get("1")}


def warm_rules_latency(index: str, limit: int | None) -> dict:
    """Each dev question asked twice of one assistant: the second pass finds its sentences cached."""
    from qa.assistant import Assistant

    with gzip.open(GOLD, "rt", encoding="utf-8") as handle:
        questions = [r["question"] for r in map(json.loads, handle) if r["split"] == "dev"][:limit]
    assistant = Assistant.open(index, reader="rules")
    passes = []
    for _ in range(2):
        times = []
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            times.append(1000 * (time.perf_counter() - started))
        passes.append({"p50_ms": round(statistics.median(times), 1), "p95_ms": round(float(np.percentile(times, 95)), 1)})
    return {"questions": len(questions), "first_pass": passes[0], "second_pass": passes[1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--limit", type=int, help="only the first N dev questions (a smoke run)")
    parser.add_argument("--keep-speed", action="store_true", help="keep the recorded speed figures, measure the rest again")
    args = parser.parse_args()
    os.chdir(ROOT)
    from qa.index.building import build_index
    from qa.index.names import index_exists
    from qa.ingest.corpus import load_articles
    from qa.models.embedder import make_embedder

    result = {"machine": "2 cores shared with other work (nice -n 15)",
              "threads": os.environ.get("OMP_NUM_THREADS", "default")}
    if args.keep_speed:
        result["speed_vntc"] = json.loads(RESULT.read_text(encoding="utf-8"))["speed_vntc"]
    else:
        result["speed_vntc"] = speed(args.articles)
    print(json.dumps(result["speed_vntc"], indent=1), file=sys.stderr)
    if not index_exists(NEW_INDEX):
        build_index(load_articles([CONTEXTS]).articles, name_or_path=NEW_INDEX, embedder=make_embedder(),
                    sources=[str(CONTEXTS)], show_progress=True)
    result["chunk_vectors_new_vs_old"] = same_chunk_vectors()
    indexes = {"old index, sentence vectors stored": OLD_INDEX, "new index, none stored": NEW_INDEX}
    result["dev_questions"] = args.limit or "all"
    result["dev"] = {f"{reader} {label}": answers(index, reader, args.limit)
                     for reader in ("neural", "rules") for label, index in indexes.items()}
    result["rules_latency_warm"] = {label: warm_rules_latency(index, args.limit) for label, index in indexes.items()}
    RESULT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
