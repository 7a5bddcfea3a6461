"""Indexing and answering as the corpus grows, on VNTC articles the project has never seen.

For each size (the first N articles of ../shared/data/vntc-articles.jsonl.gz):

- build: the articles are loaded and indexed with the default embedder exactly as
  `qa index build` does; seconds per stage come from the manifest (chunking, tokenising and
  model inside embedding, FAISS, BM25, writing, checksums). "Overhead" is everything beyond
  tokenising and running the model, as a share of those two: what the project adds to the bare
  model;
- disk: the index's bytes against the bare float32 chunk vectors;
- cold start and memory: a fresh process opens the index and answers one question (seconds to
  open, to the first answer, resident and peak RSS), beside a process that only loads the model
  and embeds that question, so the index's own share of RSS can be set against the float32
  vectors plus the chunk text;
- latency: `ask()` on ViNewsQA dev questions (out of domain for VNTC; this measures time, not
  quality), median and p95, overall and per stage, the first call excluded.

Results go to bench/results/scale.json (merged with earlier sizes) and the plot to
bench/results/scale.png.

    .venv/bin/python bench/scale.py --articles 1000 [--articles 5000 ...] [--questions 200] [--reuse] [--index sample]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
VNTC = DATA / "vntc-articles.jsonl.gz"
QUESTIONS = DATA / "vinewsqa-dev" / "qa.jsonl.gz"
RESULT = ROOT / "bench" / "results" / "scale.json"
PLOT = ROOT / "bench" / "results" / "scale.png"

COLD_START = """
import json, re, sys, time
started = time.perf_counter()
from qa.assistant import Assistant
{body}
status = open("/proc/self/status").read()
memory = {{key: int(re.search(key + r":\\s+(\\d+)", status).group(1)) / 1024 for key in ("VmRSS", "VmHWM")}}
print(json.dumps(dict(result, rss_mb=memory["VmRSS"], peak_rss_mb=memory["VmHWM"])))
"""
OPEN_AND_ANSWER = """
assistant = Assistant.open(sys.argv[1])
opened = time.perf_counter()
assistant.ask(sys.argv[2])
result = dict(open_seconds=opened - started, first_answer_seconds=time.perf_counter() - started)
"""
MODEL_ONLY = """
from qa.embedder import SentenceTransformerEmbedder
from qa.index import open_index
SentenceTransformerEmbedder(backend=open_index(sys.argv[1], verify=False).model.backend).embed([sys.argv[2]], kind="query")
result = dict(model_seconds=time.perf_counter() - started)
"""


def subset(count: int, folder: Path) -> Path:
    path = folder / f"vntc-{count}.jsonl"
    with gzip.open(VNTC, "rt", encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        out.writelines(islice(source, count))
    return path


def build(count: int, name: str) -> dict:
    from qa.corpus import load_articles
    from qa.embedder import SentenceTransformerEmbedder
    from qa.index import build_index

    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory(prefix="scale-") as scratch:
        path = subset(count, Path(scratch))
        started = time.perf_counter()
        articles = load_articles([path]).articles
        loading = time.perf_counter() - started
        index = build_index(articles, name_or_path=name, embedder=embedder, show_progress=True)
        total = time.perf_counter() - started  # loading to published, checksums included
    manifest = index.manifest
    stages = dict(manifest["build_stages_seconds"], loading=round(loading, 3))
    model_time = stages.get("tokenising", 0) + stages.get("model", 0)  # recorded by the ONNX backends only
    texts = manifest["counts"]["chunks"] + manifest["counts"]["sentences"]
    return {
        "backend": index.model.backend, "articles": len(index.articles), "chunks": len(index),
        "sentences": manifest["counts"]["sentences"], "build_seconds": round(total, 2), "stages_seconds": stages,
        "chunks_per_s": round(len(index) / total, 1), "texts_per_s": round(texts / total, 1),
        "overhead_over_model": round((total - model_time) / model_time, 3) if model_time else None,
    }


def disk_and_text(name: str) -> dict:
    from qa.index import open_index

    index = open_index(name)
    dimension = index.model.dimension
    text_bytes = sum(len(index.chunk(row).text.encode("utf-8")) for row in range(len(index)))
    files = index.manifest["files"]
    return {
        "chunks": len(index),
        "disk_mb": round(sum(entry["bytes"] for entry in files.values()) / 2**20, 2),
        "float32_vectors_mb": round(len(index) * dimension * 4 / 2**20, 2),
        "chunk_text_mb": round(text_bytes / 2**20, 2),
    }


def fresh_process(body: str, name: str, question: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", COLD_START.format(body=body), name, question], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the fresh process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def latency(name: str, questions: list[str]) -> dict:
    from latency import ask_latency  # bench/latency.py, beside this script

    from qa.assistant import Assistant

    return ask_latency(Assistant.open(name), questions)


def measure(name: str, questions: list[str], *, build_result: dict | None) -> dict:
    result = {"index": name, "build": build_result, **disk_and_text(name)}
    cold = fresh_process(OPEN_AND_ANSWER, name, questions[0])
    model_only = fresh_process(MODEL_ONLY, name, questions[0])
    index_rss = cold["rss_mb"] - model_only["rss_mb"]  # resident after the first answer, beyond the model's
    reference = max(result["float32_vectors_mb"] + result["chunk_text_mb"], 0.01)
    result.update({
        "cold_start": {k: round(v, 2) for k, v in cold.items()},
        "model_only": {k: round(v, 2) for k, v in model_only.items()},
        "index_rss_mb": round(index_rss, 1),
        "index_rss_over_vectors_plus_text": round(index_rss / reference, 2),
        "latency": latency(name, questions),
    })
    return result


def plot(sizes: dict[str, dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(sizes.values(), key=lambda r: r["chunks"])
    chunks = [r["chunks"] for r in rows]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(chunks, [r["latency"]["ask"]["median_ms"] for r in rows], "o-", label="median")
    left.plot(chunks, [r["latency"]["ask"]["p95_ms"] for r in rows], "s--", label="p95")
    left.set(xscale="log", xlabel="chunks", ylabel="ask() ms", title="latency")
    left.legend()
    right.plot(chunks, [r["index_rss_mb"] for r in rows], "o-", label="index RSS")
    right.plot(chunks, [r["float32_vectors_mb"] for r in rows], "s--", label="float32 vectors")
    right.plot(chunks, [r["disk_mb"] for r in rows], "^:", label="disk")
    right.set(xscale="log", xlabel="chunks", ylabel="MB", title="memory and disk")
    right.legend()
    figure.tight_layout()
    figure.savefig(PLOT, dpi=110)


def main() -> int:
    from qa.index import index_exists

    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, action="append", default=[], help="corpus size; repeat for several")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="measure an existing vntc-N index instead of rebuilding it")
    parser.add_argument("--index", action="append", default=[], help="also measure this existing index (e.g. sample)")
    args = parser.parse_args()
    with gzip.open(QUESTIONS, "rt", encoding="utf-8") as handle:
        questions = [json.loads(line)["question"] for line in islice(handle, args.questions)]
    results = json.loads(RESULT.read_text(encoding="utf-8")) if RESULT.is_file() else {"sizes": {}}
    targets = [(str(count), f"vntc-{count}", count) for count in args.articles] + [(n, n, None) for n in args.index]
    for key, name, count in targets:
        built = build(count, name) if count and not (args.reuse and index_exists(name)) else None
        found = measure(name, questions, build_result=built or results["sizes"].get(key, {}).get("build"))
        results["sizes"][key] = {**found, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                 "threads": os.environ.get("OMP_NUM_THREADS", "default")}
        print(json.dumps(results["sizes"][key], indent=2))
    RESULT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot(results["sizes"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
