"""The web app under load: throughput and latency of the /ask API with many users at once.

Starts ``python app.py`` on a free port (or uses ``--url``), asks every question once alone
(the single-user latency), then lets ``--users`` users, each with their own gradio_client
session, ask ``--questions`` answerable gold questions each, all at once. Every answer is
compared with the one given alone; a difference or an error is counted, not hidden. One run;
results go to bench/results/load_gradio.json.

    .venv/bin/python bench/load_gradio.py
    .venv/bin/python bench/load_gradio.py --users 20 --questions 10
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from gradio_client import Client

from qa.gold import load_gold
from qa.webui import ANSWER_CONCURRENCY

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 300


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_app() -> Iterator[str]:
    """``python app.py`` on a free port, stopped afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url, timeout=2):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not start on {url}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1)}


def timed(client: Client, question: str) -> tuple[dict, float]:
    started = time.perf_counter()
    answer = client.predict(question, api_name="/ask")
    return answer, 1000 * (time.perf_counter() - started)


def user(url: str, questions: list[str], alone: dict[str, dict], out: dict[str, list], lock: threading.Lock) -> None:
    try:
        client = Client(url, verbose=False)
        for question in questions:
            answer, elapsed = timed(client, question)
            with lock:
                out["latencies"].append(elapsed)
                if answer != alone[question]:
                    out["different"].append(question)
    except Exception as exc:
        with lock:
            out["errors"].append(f"{type(exc).__name__}: {exc}")


def measure(url: str, users: int, each: int) -> dict:
    pool = [g.question for g in load_gold() if g.answers]
    plans = [[pool[(7 * u + i) % len(pool)] for i in range(each)] for u in range(users)]  # users ask different questions
    client = Client(url, verbose=False)
    client.predict(pool[0], api_name="/ask")  # warm-up
    alone, alone_ms = {}, []
    for question in dict.fromkeys(q for plan in plans for q in plan):
        alone[question], elapsed = timed(client, question)
        alone_ms.append(elapsed)
    out, lock = {"latencies": [], "different": [], "errors": []}, threading.Lock()
    threads = [threading.Thread(target=user, args=(url, plan, alone, out, lock)) for plan in plans]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "users": users, "questions_per_user": each, "answer_concurrency": ANSWER_CONCURRENCY,
        "cpu_count": os.cpu_count(), "load_average_before": round(os.getloadavg()[0], 2),
        "single_user": {"questions": len(alone_ms), **percentiles(alone_ms)},
        "under_load": {"questions": len(out["latencies"]), "seconds": round(wall, 2),
                       "throughput_qps": round(len(out["latencies"]) / wall, 1), **percentiles(out["latencies"]),
                       "errors": out["errors"], "answers_different_from_alone": len(out["different"])},
        "note": "wall time includes each user's session set-up; latency is client-side per question (HTTP + queue + answer)",
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--url", help="a running app; by default app.py is started on a free port")
    args = parser.parse_args()
    with contextlib.nullcontext(args.url) if args.url else running_app() as url:
        report = measure(url, args.users, args.questions)
    (ROOT / "bench" / "results" / "load_gradio.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0 if not report["under_load"]["errors"] and not report["under_load"]["answers_different_from_alone"] else 1


if __name__ == "__main__":
    sys.exit(main())
