"""Indexing and answering as the corpus grows, on VNTC articles the project has never seen.

For each size (the first N articles of ../shared/data/vntc-articles.jsonl.gz):

- build: the articles are loaded and indexed with the default embedder exactly as
  `qa index build` does; seconds per stage come from the manifest (chunking, tokenising and
  model inside embedding, FAISS, BM25, writing, checksums). "Overhead" is everything beyond
  tokenising and running the model, as a share of those two: what the project adds to the bare
  model; and, in the same run, the first chunks of that index go through the bare
  ``SentenceTransformer.encode_document`` (torch) and through the project's embedder on torch
  and on the index's backend, chunks per second for each;
- growing (``--grow-from M``): a copy of the vntc-M index gets articles M+1..N through
  ``qa index add`` (only the new articles are embedded), the way an archive grows; the stages
  of that add are reported, and the index is measured like a built one;
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
    .venv/bin/python bench/scale.py --articles 33709 --grow-from 17000
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
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
memory = {{key: int(re.search(key + r":\\s+(\\d+)", status).group(1)) / 1024
          for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}}
print(json.dumps(dict(result, rss_mb=memory["VmRSS"], peak_rss_mb=memory["VmHWM"], private_rss_mb=memory["RssAnon"],
                      file_rss_mb=memory["RssFile"])))
"""
OPEN_AND_ANSWER = """
assistant = Assistant.open(sys.argv[1])
opened = time.perf_counter()
assistant.ask(sys.argv[2])
result = dict(open_seconds=opened - started, first_answer_seconds=time.perf_counter() - started)
"""
MODEL_ONLY = """
from qa.models.embedder import SentenceTransformerEmbedder
from qa.index.opening import open_index
SentenceTransformerEmbedder(backend=open_index(sys.argv[1], verify=False).model.backend).embed([sys.argv[2]], kind="query")
result = dict(model_seconds=time.perf_counter() - started)
"""


BARE_MODEL_CHUNKS = 256


def subset(start: int, stop: int, folder: Path) -> Path:
    path = folder / f"vntc-{start}-{stop}.jsonl"
    with gzip.open(VNTC, "rt", encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        out.writelines(islice(source, start, stop))
    return path


def copy_index(source: str, name: str) -> None:
    """Publish a copy of index ``source`` as ``name`` (the store's own version folders)."""
    import shutil

    from qa.index.names import resolve_index_path
    from qa.index.store import new_version_dir, publish

    target = resolve_index_path(name)
    version = new_version_dir(target)
    shutil.copytree(resolve_index_path(source).resolve(), version, dirs_exist_ok=True)
    publish(version, target)


def build(count: int, name: str, *, grow_from: int | None) -> dict:
    """Index the first ``count`` articles, or add those beyond ``grow_from`` to a copy of that index."""
    from qa.ingest.corpus import load_articles
    from qa.models.embedder import SentenceTransformerEmbedder
    from qa.index.building import build_index
    from qa.index.updating import add_to_index

    embedder = SentenceTransformerEmbedder()
    first = grow_from or 0
    if grow_from:
        copy_index(f"vntc-{grow_from}", name)
    with tempfile.TemporaryDirectory(prefix="scale-") as scratch:
        path = subset(first, count, Path(scratch))
        started = time.perf_counter()
        articles = load_articles([path]).articles
        loading = time.perf_counter() - started
        if grow_from:
            index, _ = add_to_index(name, articles, embedder=embedder, show_progress=True)
        else:
            index = build_index(articles, name_or_path=name, embedder=embedder, show_progress=True)
        total = time.perf_counter() - started  # loading to published, checksums included
    manifest = index.manifest
    stages = dict(manifest.build_stages_seconds, loading=round(loading, 3))
    model_time = stages.get("tokenising", 0) + stages.get("model", 0)  # recorded by the ONNX backends only
    before = _counts(f"vntc-{grow_from}") if grow_from else {"chunks": 0}
    new_chunks = len(index) - before["chunks"]  # the only texts embedded: sentences get no vectors (sentence_vectors.py)
    return {
        "backend": index.model.backend, "articles": len(index.articles), "chunks": len(index),
        "sentences": manifest.counts.sentences, "grown_from_articles": grow_from,
        "embedded_articles": len(articles), "embedded_chunks": new_chunks, "build_seconds": round(total, 2),
        "stages_seconds": stages, "chunks_per_s": round(new_chunks / total, 1), "articles_per_s": round(len(articles) / total, 2),
        "overhead_over_model": round((total - model_time) / model_time, 3) if model_time else None,
        # The build is this process's first heavy work, so its peak is the build's (model included).
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "bare_model": bare_model_comparison(index, embedder),
    }


def _counts(name: str) -> dict:
    from qa.index.names import resolve_index_path

    return json.loads((resolve_index_path(name) / "manifest.json").read_text(encoding="utf-8"))["counts"]


def bare_model_comparison(index, embedder) -> dict:
    """The index's first chunks through the bare model and through our embedder, in this run."""
    import torch
    from embed_throughput import timed  # bench/embed_throughput.py, beside this script
    from sentence_transformers import SentenceTransformer

    from qa.models.e5_rebuild import ensure_default_model
    from qa.models.embedder import SentenceTransformerEmbedder
    from qa.index.corpus_index import passage_text

    rows = range(min(BARE_MODEL_CHUNKS, len(index)))
    texts = [passage_text(index.article_of(row), index.chunk(row).text) for row in rows]
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    bare = SentenceTransformer(str(ensure_default_model()), device="cpu")
    engines = {
        "bare_sentence_transformers_torch": lambda: bare.encode_document(texts, batch_size=32),
        "qa_torch": lambda embed=SentenceTransformerEmbedder(backend="torch").embed: embed(texts, kind="passage"),
        f"qa_{embedder.identity.backend}": lambda: embedder.embed(texts, kind="passage"),
    }
    speeds = {name: round(len(texts) / timed(run)[1], 1) for name, run in engines.items()}
    reference = speeds["bare_sentence_transformers_torch"]
    return {"chunks": len(texts), "chunks_per_s": speeds,
            "speed_vs_bare": {name: round(speed / reference, 2) for name, speed in speeds.items()}}


def disk_and_text(name: str) -> dict:
    from qa.index.opening import open_index

    index = open_index(name)
    dimension = index.model.dimension
    text_bytes = sum(len(index.chunk(row).text.encode("utf-8")) for row in range(len(index)))
    return {
        "chunks": len(index),
        "disk_mb": round(index.manifest.size_bytes / 2**20, 2),
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

    return ask_latency({name: Assistant.open(name)}, questions)[name]


def measure(name: str, questions: list[str], *, build_result: dict | None) -> dict:
    result = {"index": name, "build": build_result, **disk_and_text(name)}
    cold = fresh_process(OPEN_AND_ANSWER, name, questions[0])
    model_only = fresh_process(MODEL_ONLY, name, questions[0])
    index_rss = cold["rss_mb"] - model_only["rss_mb"]  # resident after the first answer, beyond the model's
    # Private memory is the process's own; file pages are memory-mapped index files in the page
    # cache, shared between processes and given back under memory pressure.
    private_rss = cold["private_rss_mb"] - model_only["private_rss_mb"]
    reference = max(result["float32_vectors_mb"] + result["chunk_text_mb"], 0.01)
    result.update({
        "cold_start": {k: round(v, 2) for k, v in cold.items()},
        "model_only": {k: round(v, 2) for k, v in model_only.items()},
        "index_rss_mb": round(index_rss, 1),
        "index_rss_over_vectors_plus_text": round(index_rss / reference, 2),
        "index_private_rss_mb": round(private_rss, 1),
        "index_private_rss_over_vectors_plus_text": round(private_rss / reference, 2),
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
    left.set(xscale="log", xlabel="chunks", ylabel="ask() ms", title="latency", ylim=(0, None))
    left.legend()
    right.plot(chunks, [r["index_rss_mb"] for r in rows], "o-", label="index RSS")
    right.plot(chunks, [r["float32_vectors_mb"] for r in rows], "s--", label="float32 vectors")
    right.plot(chunks, [r["disk_mb"] for r in rows], "^:", label="disk")
    right.set(xscale="log", xlabel="chunks", ylabel="MB", title="memory and disk")
    right.legend()
    figure.tight_layout()
    figure.savefig(PLOT, dpi=110)


def main() -> int:
    from qa.index.names import index_exists

    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, action="append", default=[], help="corpus size; repeat for several")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="measure an existing vntc-N index instead of rebuilding it")
    parser.add_argument("--index", action="append", default=[], help="also measure this existing index (e.g. sample)")
    parser.add_argument("--grow-from", type=int, help="add to a copy of the vntc-M index instead of building anew")
    args = parser.parse_args()
    with gzip.open(QUESTIONS, "rt", encoding="utf-8") as handle:
        questions = [json.loads(line)["question"] for line in islice(handle, args.questions)]
    results = json.loads(RESULT.read_text(encoding="utf-8")) if RESULT.is_file() else {"sizes": {}}
    targets = [(str(count), f"vntc-{count}", count) for count in args.articles] + [(n, n, None) for n in args.index]
    for key, name, count in targets:
        built = None
        if count and not (args.reuse and index_exists(name)):
            built = build(count, name, grow_from=args.grow_from)
        found = measure(name, questions, build_result=built or results["sizes"].get(key, {}).get("build"))
        results["sizes"][key] = {**found, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                 "threads": os.environ.get("OMP_NUM_THREADS", "default")}
        print(json.dumps(results["sizes"][key], indent=2))
        RESULT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")  # a long run keeps what it has
        plot(results["sizes"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
