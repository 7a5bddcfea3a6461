"""What int8 costs in retrieval: `qa eval` on ViNewsQA dev with each embedding backend.

The same 2,497 dev questions and the same 900 articles, indexed once per backend (torch fp32,
onnx-int8), searched dense-only and hybrid. BM25 does not depend on the backend and is left
out. Writes report.json / report.md per backend under bench/results/backend_quality/<backend>/
and the comparison (figures and int8 minus torch, in points) to
bench/results/backend_quality.json.

    .venv/bin/python bench/backend_quality.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from qa.eval.evaluate import evaluate
from qa.eval.report import write_report

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("..") / "shared" / "data"  # relative to ROOT, so reports name no machine path
GOLD = DATA / "vinewsqa-dev" / "qa.jsonl.gz"
CORPUS = [DATA / "vinewsqa-dev" / "contexts.jsonl.gz"]
BACKENDS = ("torch", "onnx-int8")
RETRIEVERS = ("dense", "hybrid")
FIGURES = {"R@1": ("recall", "1"), "R@5": ("recall", "5"), "R@10": ("recall", "10"), "R@20": ("recall", "20"),
           "MRR@10": ("mrr10",), "F1": ("f1",), "sentence holds answer": ("supported",)}
RESULTS = ROOT / "bench" / "results"


def figures(run: dict) -> dict[str, float]:
    found = {}
    for name, path in FIGURES.items():
        value = run["overall"]
        for key in path:
            value = value[key]
        found[name] = round(100 * value, 2)
    found["p50 ms"] = run["overall"]["latency_p50_ms"]
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, help="only the first N dev questions (a smoke run)")
    args = parser.parse_args()
    os.chdir(ROOT)
    measured: dict[str, dict[str, dict[str, float]]] = {}
    for backend in BACKENDS:
        report = evaluate(GOLD, corpus=CORPUS, split="dev", retrievers=RETRIEVERS, backend=backend, limit=args.limit,
                          show_progress=True, log=lambda message: print(message, file=sys.stderr))
        write_report(report, RESULTS / "backend_quality" / backend)
        measured[backend] = {run["retriever"]: figures(run) for run in report.to_dict()["runs"]}
    int8, fp32 = measured["onnx-int8"], measured["torch"]
    result = {
        "gold": f"{GOLD} [dev]", "questions": args.limit or "all", "corpus": [str(p) for p in CORPUS],
        "threads": os.environ.get("OMP_NUM_THREADS", "default"), "figures_percent": measured,
        "int8_minus_torch_points": {r: {k: round(int8[r][k] - fp32[r][k], 2) for k in FIGURES} for r in fp32},
    }
    (RESULTS / "backend_quality.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
