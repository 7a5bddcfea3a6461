"""ask() latency, median and p95, with where the time goes, on a named index.

Stages, from the same calls (``qa.timing``): query embedding, FAISS, BM25, fusion, answer
(sentence ranking over stored sentence vectors, and composition). The first call is a warm-up
and is not counted. Results go to bench/results/latency_<index>.json.

    .venv/bin/python bench/latency.py --index sample
    .venv/bin/python bench/latency.py --index vinewsqa-dantri --questions 200
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

from qa.assistant import Assistant, default_assistant
from qa.eval.gold import load_gold
from qa.eval.metrics import latency_summary
from qa.timing import collect

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def question_set(index_name: str, count: int) -> list[str]:
    if index_name == "sample":
        return [g.question for g in load_gold()][:count]
    with gzip.open(DATA / "vinewsqa-dev" / "qa.jsonl.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line)["question"] for _, line in zip(range(count), handle)]


def ask_latency(assistant: Assistant, questions: list[str]) -> dict:
    """Median and p95 of ``ask()``, whole and per stage, from the same calls; the first call
    warms caches and is not counted."""
    assistant.ask(questions[0])
    whole, stages = [], []
    for text in questions:
        with collect() as clock:
            started = time.perf_counter()
            assistant.ask(text)
            whole.append(1000 * (time.perf_counter() - started))
        stages.append({stage: 1000 * seconds for stage, seconds in clock.items()})
    return {"questions": len(questions), "ask": latency_summary(whole),
            "stages": {name: latency_summary([s.get(name, 0.0) for s in stages]) for name in sorted(set().union(*stages))}}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="sample")
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    assistant = default_assistant() if args.index == "sample" else Assistant.open(args.index)
    questions = question_set(args.index, args.questions)
    report = {"index": args.index, "articles": len(assistant.index.articles), "chunks": len(assistant.index),
              **ask_latency(assistant, questions)}
    (ROOT / "bench" / "results" / f"latency_{args.index}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
