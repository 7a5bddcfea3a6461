"""Building on Ray against building on this machine, and what 100 workers would do with 1 M articles.

The first 1,000 VNTC articles (../shared/data/vntc-articles.jsonl.gz) are indexed three ways,
each in a fresh process, default model and backend: on this machine as ``qa index build``
does, and on a local Ray (``--ray auto``: started by the build, 2 CPUs) with 1 actor of 2
threads and with 2 actors of 1 thread. For each: seconds per stage (reading on the driver;
chunking and embedding, on the driver or on the actors; BM25, FAISS, writing and checksums on
the driver), Ray's start-up, the peak resident memory of the driver and of Ray's own processes
(sampled every 0.5 s from /proc), and Ray's overhead over the local build. Then a few ViNewsQA
questions are asked of every index: answers and citations must be the same.

From the measured per-article and per-passage costs, and the recorded BM25 and HNSW builds at
full VNTC size (bench/results/bm25_build.json, ann.json), a projection of 1 M articles on 100
workers: where the time goes and where the driver becomes the bottleneck.

    OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false nice -n 15 .venv/bin/python bench/ray_build.py

Results: bench/results/ray_build.json and ray_build.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path("..") / "shared" / "data"
VNTC = DATA / "vntc-articles.jsonl.gz"
GOLD = DATA / "vinewsqa-dev" / "qa.jsonl.gz"
RESULTS = ROOT / "bench" / "results"
WAYS = {"local": None, "ray-1-worker": 1, "ray-2-workers": 2}
QUESTIONS = 12
MILLION, WORKERS = 1_000_000, 100
SCALING_NOTE = """\
What stops one machine first is building, not serving: an opened index of a million articles
fits in memory (figure above; HNSW search stays near 1 ms, bench/ann.py), but BM25 is built in
one process (its peak memory grows with the passages) and HNSW inserts every vector in one
process, while every vector travels to the driver. So the driver is the bottleneck once the
workers outpace it (the worker count above), and its memory limits the size of an index built
as one piece to what one BM25 build fits in (a few million passages on a 64 GB machine).
Past that the single-machine stages are replaced by shards: each worker (or a reduce step)
builds BM25 and FAISS for its share of the articles, with document frequencies summed across
shards first so BM25 scores stay comparable; the driver writes one manifest naming the shards;
a question goes to every shard and the top passages are merged. FAISS IVF-PQ instead of HNSW
would cut 1.5 KB of float32 per vector to tens of bytes once vectors no longer fit in memory.
This projection scales measured costs linearly; it was not run.
"""


class PeakMemory:
    """Peak RSS of this process and, separately, of all its descendants (Ray's processes)."""

    def __init__(self, every: float = 0.5) -> None:
        self.driver_mb = self.descendants_mb = 0.0
        self._every, self._stop = every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.driver_mb = max(self.driver_mb, _rss_mb(os.getpid()))
            self.descendants_mb = max(self.descendants_mb, sum(_rss_mb(p) for p in _descendants(os.getpid())))


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


def build_one(way: str, count: int) -> dict:
    """One build in this process: stages, seconds and peak memory."""
    from qa.index.building import build_index
    from qa.index.distributed import RayBuild
    from qa.ingest.corpus import load_articles
    from qa.models.embedder import make_embedder

    embedder = make_embedder()
    workers = WAYS[way]
    with tempfile.TemporaryDirectory(prefix="ray-build-") as scratch, PeakMemory() as memory:
        path = Path(scratch) / "vntc.jsonl"
        with gzip.open(VNTC, "rt", encoding="utf-8") as source:
            path.write_text("".join(islice(source, count)), encoding="utf-8")
        started = time.perf_counter()
        articles = load_articles([path]).articles
        reading = time.perf_counter() - started
        index = build_index(articles, name_or_path=f"raybench-vntc-{count}-{way}", embedder=embedder,
                            show_progress=True, ray=None if workers is None else RayBuild(workers=workers))
        total = time.perf_counter() - started
    return {"way": way, "articles": len(articles), "chunks": len(index), "seconds": round(total, 1),
            "stages_seconds": {"reading": round(reading, 2), **dict(index.manifest.build_stages_seconds)},
            "driver_peak_rss_mb": round(memory.driver_mb), "ray_processes_peak_rss_mb": round(memory.descendants_mb)}


def same_answers(count: int) -> dict:
    """The first dev questions asked of every index: answers, citations and scores side by side."""
    from qa.assistant import Assistant
    from qa.models.embedder import make_embedder

    with gzip.open(GOLD, "rt", encoding="utf-8") as handle:
        questions = [r["question"] for r in map(json.loads, handle) if r["split"] == "dev"][:QUESTIONS]
    embedder = make_embedder()
    answers = {way: Assistant.open(f"raybench-vntc-{count}-{way}", embedder=embedder).ask_batch(questions) for way in WAYS}
    local = answers["local"]
    result = {"questions": len(questions)}
    for way in list(WAYS)[1:]:
        pairs = list(zip(local, answers[way], strict=True))
        result[way] = {
            "same_text_and_sentence": sum((a.text, a.sentence) == (b.text, b.sentence) for a, b in pairs),
            "same_citations": sum([(c.doc_id, c.start, c.end) for c in a.citations] == [(c.doc_id, c.start, c.end) for c in b.citations]
                                  for a, b in pairs),
            "max_score_difference": max((abs(x.score - y.score) for a, b in pairs for x, y in zip(a.citations, b.citations)),
                                        default=0.0),
        }
    return result


def projection(builds: dict[str, dict]) -> dict:
    """1 M articles on 100 workers, each like the 2-CPU actor measured here, and a driver like this machine.

    Workers scale out; the driver's stages do not. Reading, writing and checksums scale with
    articles from the local build; BM25 from its recorded full-VNTC build (205,249 passages,
    bench/results/bm25_build.json) and HNSW from the largest recorded build (ann.json), both
    scaled linearly in passages (optimistic for HNSW, which grows about as n log n).
    """
    local, one_worker = builds["local"], builds["ray-1-worker"]
    articles, chunks = local["articles"], local["chunks"]
    passages = MILLION * chunks / articles
    per_article = lambda build, name: build["stages_seconds"].get(name, 0.0) / articles  # noqa: E731
    busy = one_worker["stages_seconds"]
    worker_rate = articles / (busy["workers_chunking"] + busy["workers_embedding"])  # one 2-CPU actor, once started
    bm25 = json.loads((RESULTS / "bm25_build.json").read_text(encoding="utf-8"))["streamed"]
    hnsw = max(json.loads((RESULTS / "ann.json").read_text(encoding="utf-8"))["sizes"], key=lambda s: s["vectors"])
    full = json.loads((RESULTS / "scale.json").read_text(encoding="utf-8"))["sizes"]["33709"]  # all of VNTC, opened
    driver = {
        "reading": per_article(local, "reading") * MILLION,
        "bm25": bm25["seconds"] / bm25["passages"] * passages,
        "faiss_hnsw": hnsw["hnsw"]["build_seconds"] / hnsw["vectors"] * passages,
        "writing_and_checksums": (per_article(local, "writing") + per_article(local, "checksums")) * MILLION,
    }
    workers_wall = MILLION / (WORKERS * worker_rate)
    driver_total = sum(driver.values())
    return {
        "articles": MILLION, "workers": WORKERS, "passages": round(passages),
        "one_worker_articles_per_second": round(worker_rate, 2),
        "workers_chunking_and_embedding_seconds": round(workers_wall),
        "driver_seconds": {k: round(v) for k, v in driver.items()},
        "driver_total_seconds": round(driver_total),
        "total_seconds": round(workers_wall + driver_total),
        "workers_at_which_the_driver_takes_as_long_as_the_workers": round(MILLION / (worker_rate * driver_total)),
        "bm25_build_peak_memory_gb": round(bm25["peak_rss_over_start_mb"] / 1024 / bm25["passages"] * passages, 1),
        "float32_vectors_gb": round(passages * 384 * 4 / 1e9, 1),
        "serving_rss_gb": round(full["index_rss_mb"] / full["chunks"] * passages / 1024, 1),
        "disk_gb": round(full["disk_mb"] / full["chunks"] * passages / 1024, 1),
    }


def markdown(result: dict) -> str:
    """The short summary: stages per build, overhead, answers, and the projection."""
    builds, names = result["builds"], list(WAYS)
    stages = ["reading", "ray_start", "chunking", "embedding", "ray", "workers_chunking", "workers_embedding",
              "bm25", "faiss", "writing", "checksums"]
    lines = [f"# Ray build against local build ({builds['local']['articles']:,} VNTC articles, "
             f"{builds['local']['chunks']:,} passages)", "",
             f"Measured by `bench/ray_build.py` on {result['machine']}; {result['threads']} threads; one run each, "
             "each build in a fresh process. `ray` is the driver's wall time for chunking and embedding on the actors "
             "(actor start and model loading included); `workers_*` are the actors' own seconds, summed over actors.", "",
             "| seconds | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for stage in stages:
        lines.append(f"| {stage} | " + " | ".join(f"{builds[n]['stages_seconds'].get(stage, 0):.1f}" if stage in builds[n]["stages_seconds"]
                                                   else "–" for n in names) + " |")
    lines.append("| **total** | " + " | ".join(f"**{builds[n]['seconds']:.1f}**" for n in names) + " |")
    lines.append("| articles/s | " + " | ".join(f"{builds[n]['articles'] / builds[n]['seconds']:.2f}" for n in names) + " |")
    lines.append("| peak RSS driver / Ray processes, MB | " + " | ".join(
        f"{builds[n]['driver_peak_rss_mb']} / {builds[n]['ray_processes_peak_rss_mb']}" for n in names) + " |")
    overhead = ", ".join(f"{way} {100 * v:+.1f} %" for way, v in result["ray_overhead_over_local"].items())
    answers = result["answers"]
    same = "; ".join(f"{way}: {a['same_text_and_sentence']}/{answers['questions']} same answer and sentence, "
                     f"{a['same_citations']}/{answers['questions']} same citations, scores within {a['max_score_difference']:.4f}"
                     for way, a in answers.items() if way != "questions")
    p = result["projection"]
    lines += ["", f"Ray over local (total build time): {overhead}.", "", f"Answers to ViNewsQA dev questions: {same}.", "",
              f"## Projection: {p['articles']:,} articles ({p['passages']:,} passages) on {p['workers']} workers", "",
              f"- workers, chunking and embedding: {p['workers_chunking_and_embedding_seconds']:,} s "
              f"({p['one_worker_articles_per_second']} articles/s per 2-CPU worker)",
              "- driver, one machine: " + ", ".join(f"{k} {v:,} s" for k, v in p["driver_seconds"].items())
              + f"; {p['driver_total_seconds']:,} s in all",
              f"- total about {p['total_seconds']:,} s; the driver takes as long as the workers from about "
              f"{p['workers_at_which_the_driver_takes_as_long_as_the_workers']} workers",
              f"- BM25 build memory about {p['bm25_build_peak_memory_gb']} GB; float32 vectors {p['float32_vectors_gb']} GB, "
              f"all shipped to the driver; index on disk about {p['disk_gb']} GB, resident when opened about "
              f"{p['serving_rss_gb']} GB (scaled from all of VNTC, bench/results/scale.json)", "", SCALING_NOTE]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--one", choices=list(WAYS), help=argparse.SUPPRESS)  # a single build, in its own process
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.one:
        print(json.dumps(build_one(args.one, args.articles)))
        return 0
    builds = {}
    for way in WAYS:
        done = subprocess.run([sys.executable, __file__, "--articles", str(args.articles), "--one", way],
                              stdout=subprocess.PIPE, text=True, check=True)
        builds[way] = json.loads(done.stdout.splitlines()[-1])
        print(json.dumps(builds[way]), file=sys.stderr)
    local = builds["local"]["seconds"]
    result = {
        "machine": "2 cores shared with other work, every run under nice -n 15",
        "threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "builds": builds,
        "ray_overhead_over_local": {way: round(builds[way]["seconds"] / local - 1, 3) for way in list(WAYS)[1:]},
        "answers": same_answers(args.articles),
        "projection": projection(builds),
    }
    (RESULTS / "ray_build.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "ray_build.md").write_text(markdown(result), encoding="utf-8")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
