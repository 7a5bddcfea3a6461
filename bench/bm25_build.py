"""Building the BM25 fields of an existing index over all its passages: time and peak memory.

A build, and the first update of a format-3 index, index every passage (an update of a format-4
index adds a segment of its new passages only: bench/incremental_add.py). Two ways are timed
on the same passages, each in a fresh process: the project's (``LexicalIndex.build``: tokens
numbered as the passages stream past, then counted into one segment of term frequencies; the
run recorded below predates segments and had bm25s precompute scores from the numbered tokens)
and handing bm25s each field's token strings, both fields tokenised first, as the project did
before that. Run after ``bench/scale.py`` has built the index:

    python bench/bm25_build.py --index vntc-33709

Writes ``bench/results/bm25_build.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULT = ROOT / "bench" / "results" / "bm25_build.json"
WAYS = ("streamed", "token_strings")


def _memory_mb(key: str) -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(key + r":\s+(\d+)", status).group(1)) / 1024


def build_once(name: str, way: str) -> dict:
    import bm25s

    from qa.index.corpus_index import passage_text
    from qa.index.opening import open_index
    from qa.index.lexical import LexicalIndex, folded_document_tokens, marked_document_tokens

    index = open_index(name, verify=False)
    texts = [passage_text(index.article_of(row), index.chunk(row).text) for row in range(len(index))]
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here on
    before = _memory_mb("VmRSS")
    started = time.perf_counter()
    if way == "streamed":
        LexicalIndex.build(texts)
    else:  # both fields tokenised first, then each handed to bm25s: how the project built it before
        fields = [[tokens_of(t) or [""] for t in texts] for tokens_of in (marked_document_tokens, folded_document_tokens)]
        for docs in fields:
            bm25s.BM25().index(docs, show_progress=False)
    return {"passages": len(texts), "seconds": round(time.perf_counter() - started, 1),
            "peak_rss_over_start_mb": round(_memory_mb("VmHWM") - before, 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="vntc-33709")
    parser.add_argument("--way", choices=WAYS, help="measure one way in this process (used by the driver)")
    args = parser.parse_args()
    if args.way:
        print(json.dumps(build_once(args.index, args.way)))
        return 0
    results = {}
    for way in WAYS:
        done = subprocess.run([sys.executable, __file__, "--index", args.index, "--way", way],
                              capture_output=True, text=True, check=True)
        results[way] = json.loads(done.stdout.strip().splitlines()[-1])
        print(way, results[way], flush=True)
    streamed, strings = results["streamed"], results["token_strings"]
    results["ratios"] = {"speed": round(strings["seconds"] / streamed["seconds"], 2),
                         "peak_memory": round(strings["peak_rss_over_start_mb"] / streamed["peak_rss_over_start_mb"], 2)}
    report = {"index": args.index, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **results}
    RESULT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report["ratios"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
