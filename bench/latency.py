"""ask() latency, median and p95, with where the time goes, on a named index.

Stages: query embedding, retrieval (FAISS + BM25 + fusion), answer (sentence ranking, which
embeds the candidate sentences, and composition). The first call is a warm-up and is not
counted. Results go to bench/results/latency_<index>.json.

    .venv/bin/python bench/latency.py --index sample
    .venv/bin/python bench/latency.py --index vinewsqa-dantri --questions 200
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from qa.answer import compose_answer, rank_sentences
from qa.assistant import Assistant, default_assistant
from qa.gold import load_gold
from qa.question import analyse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def question_set(index_name: str, count: int) -> list[str]:
    if index_name == "sample":
        return [g.question for g in load_gold()][:count]
    with gzip.open(DATA / "vinewsqa-dev" / "qa.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line)["question"] for _, line in zip(range(count), handle)]


def timed_ask(assistant: Assistant, text: str) -> dict[str, float]:
    stamps = [time.perf_counter()]
    vector = assistant.embedder.embed([text], kind="query")
    stamps.append(time.perf_counter())
    passages = assistant.retriever.search_batch([text], k=8, vectors=vector)[0]
    stamps.append(time.perf_counter())
    question = analyse(text)
    candidates = rank_sentences(question, passages, query_vector=vector[0], index=assistant.index)
    compose_answer(question, passages, candidates, calibration=assistant.calibration, lexical=assistant.index.lexical, k=5)
    stamps.append(time.perf_counter())
    parts = dict(zip(("query_embedding", "retrieval", "answer"), (1000 * (b - a) for a, b in zip(stamps, stamps[1:]))))
    return parts


def summarise(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="sample")
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    assistant = default_assistant() if args.index == "sample" else Assistant.open(args.index)
    questions = question_set(args.index, args.questions)
    assistant.ask(questions[0])  # warm-up
    whole, stages = [], []
    for text in questions:
        started = time.perf_counter()
        assistant.ask(text)
        whole.append(1000 * (time.perf_counter() - started))
        stages.append(timed_ask(assistant, text))
    report = {
        "index": args.index, "articles": len(assistant.index.articles), "chunks": len(assistant.index), "questions": len(questions),
        "ask": summarise(whole),
        "stages": {name: summarise([s[name] for s in stages]) for name in stages[0]},
    }
    (ROOT / "bench" / "results" / f"latency_{args.index}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
