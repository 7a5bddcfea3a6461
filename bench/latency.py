"""ask() latency, median and p95, with where the time goes, on a named index.

Stages, from the same calls (``qa.timing``): query embedding, FAISS, BM25, fusion, answer
(sentence ranking over stored sentence vectors, and composition). The first call is a warm-up
and is not counted. Results go to bench/results/latency_<index>.json.

    .venv/bin/python bench/latency.py --index sample
    .venv/bin/python bench/latency.py --index vinewsqa-dantri --questions 200
    .venv/bin/python bench/latency.py --index vinewsqa --questions 200 --passages 2 3

``--passages`` times the span reader reading that many passages for a question typed with
diacritics, one assistant per number, each question asked of each in turn so that the machine's
state weighs on all alike; uncalibrated (the time, not the answers, is measured); results go to
bench/results/latency_<index>-passages.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from dataclasses import replace
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


def ask_latency(assistants: dict[str, Assistant], questions: list[str]) -> dict[str, dict]:
    """Median and p95 of ``ask()`` of each assistant, whole and per stage, from the same calls,
    the assistants asked in turn; the first call warms caches and is not counted."""
    for assistant in assistants.values():
        assistant.ask(questions[0])
    whole: dict[str, list[float]] = {name: [] for name in assistants}
    stages: dict[str, list[dict[str, float]]] = {name: [] for name in assistants}
    for text in questions:
        for name, assistant in assistants.items():
            with collect() as clock:
                started = time.perf_counter()
                assistant.ask(text)
                whole[name].append(1000 * (time.perf_counter() - started))
            stages[name].append({stage: 1000 * seconds for stage, seconds in clock.items()})
    return {name: {"questions": len(questions), "ask": latency_summary(whole[name]),
                   "stages": {stage: latency_summary([s.get(stage, 0.0) for s in stages[name]])
                              for stage in sorted(set().union(*stages[name]))}}
            for name in assistants}


def reading_depths(assistant: Assistant, passages: list[int]) -> dict[str, Assistant]:
    """The assistant's index and embedder with the span reader reading each number of passages,
    each reader with a graph of its own: sharing one, a reader would find the passages that the
    one asked before it had read already in the graph's cache."""
    sys.path.insert(0, str(ROOT / "bench"))
    from calibrate import unfitted

    from qa.models.span_reader import SpanModel, SpanReader, SpanReaderSettings

    chosen = {}
    for count in passages:
        settings = replace(SpanReaderSettings(), passages=count)
        calibration = replace(unfitted("neural"), settings=settings.to_dict())
        chosen[f"{count} passages"] = Assistant(assistant.index, assistant.pipeline.embedder, retrieval=assistant.pipeline.retrieval,
                                                reader=SpanReader(assistant.index, model=SpanModel.bundled(), settings=settings),
                                                calibration=calibration)
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="sample")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--passages", type=int, nargs="+", help="span reader depths to time in turn (see above)")
    args = parser.parse_args()
    assistant = default_assistant() if args.index == "sample" else Assistant.open(args.index)
    questions = question_set(args.index, args.questions)
    about = {"index": args.index, "articles": len(assistant.index.articles), "chunks": len(assistant.index)}
    if args.passages:
        report = {**about, **ask_latency(reading_depths(assistant, args.passages), questions)}
        name = f"latency_{args.index}-passages.json"
    else:
        report = {**about, **ask_latency({"shipped": assistant}, questions)["shipped"]}
        name = f"latency_{args.index}.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
