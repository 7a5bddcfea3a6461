"""A cold open: how long a fresh process takes to open an index and give its first answer.

Opening used to hash every index file; now it checks every file's size and hashes only what it
reads whole (``qa/index/opening.py``). Each run is a fresh process that opens the index the way
``Assistant.open`` does (the model named in the manifest, then the index) and answers one
question, timing each step; three ways of opening are compared in the same rounds:

- ``before``: every file hashed on open (``checksums="all"``), what opening did before;
- ``after``: sizes, and hashes of the files read whole (the default);
- ``unchecked``: nothing checked (``verify=False``), the floor;

and ``verify``, a process that runs ``verify_index`` alone, what ``qa index verify`` costs.
Each way runs with the page cache dropped first (``sync; echo 3 > /proc/sys/vm/drop_caches``,
root only: without it the cold runs are left out and the results say so), and warm (the index
files read just before). Rounds interleave the ways, so a machine busy with other work slows
them alike; ratios are taken between medians of the same rounds. The answer uses the
hand-written reader, so the first answer loads only the embedding model.

The index: ``--index NAME`` if given (opened read-only), else the ViNewsQA dev articles
(../shared/data/vinewsqa-dev/contexts.jsonl.gz, 900 articles) as the index ``vinewsqa`` when it
was built from them, else a new index ``cold-open-vinewsqa`` built from them once, else the
bundled sample. Results go to bench/results/cold_open.json.

    .venv/bin/python bench/cold_open.py [--index NAME] [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "vinewsqa-dev"
CONTEXTS = DATA / "contexts.jsonl.gz"
RESULT = ROOT / "bench" / "results" / "cold_open.json"
WAYS = ("before", "after", "unchecked", "verify")
SAMPLE_QUESTION = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"

OPEN_AND_ANSWER = """
import json, sys, time
started = time.perf_counter()
from qa.assistant import Assistant
from qa.index.opening import check_model, index_model, open_index
from qa.models.embedder import make_embedder
imported = time.perf_counter()
name, way, question = sys.argv[1:4]
embedder = make_embedder(built_with=index_model(name))
loaded = time.perf_counter()
options = {"before": dict(checksums="all"), "after": {}, "unchecked": dict(verify=False)}[way]
index = open_index(name, **options)
check_model(name, index.model, embedder.identity)
opened = time.perf_counter()
Assistant(index, embedder, reader="rules").ask(question)
answered = time.perf_counter()
print(json.dumps(dict(imports_seconds=imported - started, model_seconds=loaded - imported,
                      open_seconds=opened - loaded, answer_seconds=answered - opened,
                      first_answer_seconds=answered - started)))
"""
VERIFY = """
import json, sys, time
started = time.perf_counter()
from qa.index.opening import verify_index
imported = time.perf_counter()
assert not verify_index(sys.argv[1]).problems
print(json.dumps(dict(imports_seconds=imported - started, open_seconds=time.perf_counter() - imported)))
"""


def choose_index(name: str | None) -> tuple[str, str]:
    """The index to open and a question its articles answer; built only when none fits."""
    from qa.index.names import index_exists
    from qa.index.opening import index_manifest

    if name:
        return name, first_question() if CONTEXTS.is_file() else SAMPLE_QUESTION
    if not CONTEXTS.is_file():
        from qa.assistant import default_assistant

        default_assistant()  # the sample index, built on first use
        return "sample", SAMPLE_QUESTION
    if index_exists("vinewsqa") and any(s.endswith("vinewsqa-dev/contexts.jsonl.gz")
                                        for s in index_manifest("vinewsqa").sources):
        return "vinewsqa", first_question()
    if not index_exists("cold-open-vinewsqa"):
        from qa.index.building import build_index
        from qa.ingest.corpus import load_articles
        from qa.models.embedder import make_embedder

        build_index(load_articles([CONTEXTS]).articles, name_or_path="cold-open-vinewsqa", embedder=make_embedder(),
                    sources=[os.path.relpath(CONTEXTS, ROOT)], show_progress=True)
    return "cold-open-vinewsqa", first_question()


def first_question() -> str:
    with gzip.open(DATA / "qa.jsonl.gz", "rt", encoding="utf-8") as handle:
        return json.loads(handle.readline())["question"]


def drop_page_cache() -> bool:
    """Empty the OS page cache (root only); False when this machine does not allow it."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def read_files(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.read_bytes()


def run(way: str, name: str, question: str) -> dict:
    """One fresh process; its own timings plus the wall time from spawn to exit."""
    script = VERIFY if way == "verify" else OPEN_AND_ANSWER
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, name, way, question], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]), process_seconds=time.perf_counter() - started)


def medians(samples: list[dict]) -> dict:
    return {key: round(statistics.median(s[key] for s in samples), 3) for key in samples[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="an existing index to open (read-only)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from qa.index.names import resolve_index_path
    from qa.index.opening import hashed_on_open, index_manifest
    from qa.index.store import write_json

    name, question = choose_index(args.index)
    folder = resolve_index_path(name).resolve()
    manifest = index_manifest(name)
    cold_possible = drop_page_cache()
    samples: dict[str, dict[str, list[dict]]] = {cache: {way: [] for way in WAYS} for cache in ("cold", "warm")}
    for round_number in range(1, args.runs + 1):
        for way in WAYS:
            if cold_possible:
                drop_page_cache()
                samples["cold"][way].append(run(way, name, question))
            read_files(folder)
            samples["warm"][way].append(run(way, name, question))
            print(f"round {round_number} {way}: cold {samples['cold'][way][-1:] or '-'}, warm {samples['warm'][way][-1]}",
                  file=sys.stderr)

    hashed = hashed_on_open(manifest)
    result = {
        "index": name,
        "articles": manifest.counts.articles,
        "chunks": manifest.counts.chunks,
        "vector_index": manifest.vector_index,
        "files": len(manifest.files),
        "index_mb": round(manifest.size_bytes / 1e6, 2),
        "hashed_on_open_mb": {"before": round(manifest.size_bytes / 1e6, 2),
                              "after": round(sum(f.bytes for f in manifest.files if f.path in hashed) / 1e6, 2)},
        "hashed_on_open_files": sorted(hashed),
        "question": question,
        "reader": "rules",
        "runs": args.runs,
        "page_cache_dropped": cold_possible,
        "medians": {cache: {way: medians(runs) for way, runs in ways.items() if runs} for cache, ways in samples.items()},
        "samples": samples,
        "threads": os.environ.get("OMP_NUM_THREADS", f"unset ({os.cpu_count()} cores)"),
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    result["ratios_before_over_after"] = {
        cache: {key: round(m["before"][key] / m["after"][key], 2) for key in ("open_seconds", "first_answer_seconds")}
        for cache, m in result["medians"].items() if m}
    write_json(RESULT, result)
    print(json.dumps({k: result[k] for k in ("index", "index_mb", "hashed_on_open_mb", "medians",
                                             "ratios_before_over_after")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
