"""`qa eval` on UIT-ViNewsQA: both splits, BM25-only, dense-only and hybrid, on two corpora.

Corpora: the 900 ViNewsQA articles alone, and the same plus the 2,653 Dân trí articles as
distractors (closer to real use: the right article hides among unrelated news). Each index is
built on first use and reused while its articles are unchanged.

Writes, per corpus and split, report.json, report.md and the plots under
bench/results/eval_vinewsqa/<corpus>/<split>/, and the summary table that the README quotes
to bench/results/eval_vinewsqa.md. Per-question files (questions.jsonl, failures.md) quote
the dataset, which may not be redistributed, so they stay out of version control.

    .venv/bin/python bench/eval_vinewsqa.py [--corpus vinewsqa|vinewsqa+dantri ...] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qa.eval.evaluate import evaluate
from qa.eval.report import read_report, summary_lines, write_report

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("..") / "shared" / "data"  # relative to ROOT, so reports name no machine path
GOLD = DATA / "vinewsqa-dev" / "qa.jsonl.gz"
CORPORA = {
    "vinewsqa": [DATA / "vinewsqa-dev" / "contexts.jsonl.gz"],
    "vinewsqa+dantri": [DATA / "vinewsqa-dev" / "contexts.jsonl.gz", DATA / "dantri-articles.jsonl.gz"],
}
SPLITS = ("dev", "train_subset2000")
RETRIEVERS = ("bm25", "dense", "hybrid")
RESULTS = ROOT / "bench" / "results"


def run(corpus: str, split: str, limit: int | None) -> Path:
    report = evaluate(GOLD, corpus=CORPORA[corpus], split=split, retrievers=RETRIEVERS, limit=limit, show_progress=True,
                      log=lambda message: print(message, file=sys.stderr))
    out = RESULTS / "eval_vinewsqa" / corpus / split
    write_report(report, out)
    print("\n".join(summary_lines(report.to_dict())), file=sys.stderr)
    return out


def summary_table(folders: list[tuple[str, str, Path]]) -> str:
    """The README's table: one row per corpus, split and retriever."""
    lines = ["| corpus | split | questions | retriever | R@1 | R@5 | R@10 | MRR@10 | EM | F1 | sentence holds answer | p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for corpus, split, folder in folders:
        report = read_report(folder)
        for run_report in report["runs"]:
            o = run_report["overall"]
            pct = lambda v: f"{100 * v:.1f}"  # noqa: E731
            lines.append(
                f"| {corpus} ({report['index']['articles']:,} articles) | {split} | {o['questions']:,} | {run_report['retriever']} "
                f"| {pct(o['recall']['1'])} | {pct(o['recall']['5'])} | {pct(o['recall']['10'])} | {o['mrr10']:.3f} "
                f"| {pct(o['exact_match'])} | {pct(o['f1'])} | {pct(o['supported'])} "
                f"| {o['latency_p50_ms']:.0f} / {o['latency_p95_ms']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", action="append", choices=list(CORPORA), help="default: both")
    parser.add_argument("--limit", type=int, help="only the first N questions of each split (a smoke run)")
    args = parser.parse_args()
    os.chdir(ROOT)
    folders = [(corpus, split, run(corpus, split, args.limit)) for corpus in args.corpus or CORPORA for split in SPLITS]
    every = [(c, s, RESULTS / "eval_vinewsqa" / c / s) for c in CORPORA for s in SPLITS]
    table = summary_table([entry for entry in every if (entry[2] / "report.json").is_file()])
    (RESULTS / "eval_vinewsqa.md").write_text(
        f"Measured with {os.environ.get('OMP_NUM_THREADS', 'default')} threads by bench/eval_vinewsqa.py.\n\n" + table,
        encoding="utf-8")
    print(table)
    return 0 if folders else 1


if __name__ == "__main__":
    sys.exit(main())
