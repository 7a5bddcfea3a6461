"""The web app under load: throughput and latency of the /ask API with many users at once.

Starts ``python app.py`` on a free port (or uses ``--url``), asks every question once alone
(the single-user latency), then lets ``--users`` users, each with their own gradio_client
session, ask ``--questions`` answerable gold questions each, all at once. Every answer is
compared with the one given alone; a difference or an error is counted, not hidden. The same
load is then sent through Gradio's plain HTTP API (``/gradio_api/call/ask``) by lighter
clients: the clients share the machine's cores with the server, and gradio_client's own
polling costs CPU, so the second figure is closer to what the server can do. One run;
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
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from gradio_client import Client

from qa.eval.gold import load_gold
from qa.web.layout import ANSWER_CONCURRENCY

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


def plain_http_asker(url: str) -> Callable[[str], dict]:
    """Ask through Gradio's REST route: one POST for an event id, then its server-sent events."""
    client = httpx.Client(timeout=300)

    def ask(question: str) -> dict:
        event_id = client.post(f"{url}gradio_api/call/ask", json={"data": [question, 5, "", "", "sample"]}).json()["event_id"]
        event = None
        with client.stream("GET", f"{url}gradio_api/call/ask/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    if event == "error":
                        raise RuntimeError(line)
                    return json.loads(line.removeprefix("data:"))[0]
        raise RuntimeError("the event stream ended without an answer")

    return ask


def gradio_client_asker(url: str) -> Callable[[str], dict]:
    client = Client(url, verbose=False)
    return lambda question: client.predict(question, api_name="/ask")


def user(make_asker, url: str, questions: list[str], alone: dict[str, dict], out: dict[str, list], lock: threading.Lock) -> None:
    try:
        ask = make_asker(url)
        for question in questions:
            started = time.perf_counter()
            answer = ask(question)
            with lock:
                out["latencies"].append(1000 * (time.perf_counter() - started))
                if answer != alone[question]:
                    out["different"].append(question)
    except Exception as exc:
        with lock:
            out["errors"].append(f"{type(exc).__name__}: {exc}")


def under_load(make_asker, url: str, plans: list[list[str]], alone: dict[str, dict]) -> dict:
    """Every user at once, each with their own client; the wall time includes their set-up."""
    out, lock = {"latencies": [], "different": [], "errors": []}, threading.Lock()
    threads = [threading.Thread(target=user, args=(make_asker, url, plan, alone, out, lock)) for plan in plans]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"questions": len(out["latencies"]), "seconds": round(wall, 2),
            "throughput_qps": round(len(out["latencies"]) / wall, 1), **percentiles(out["latencies"]),
            "errors": out["errors"], "answers_different_from_alone": len(out["different"])}


def measure(url: str, users: int, each: int) -> dict:
    pool = [g.question for g in load_gold() if g.answers]
    plans = [[pool[(7 * u + i) % len(pool)] for i in range(each)] for u in range(users)]  # users ask different questions
    ask = gradio_client_asker(url)
    ask(pool[0])  # warm-up
    alone, alone_ms = {}, []
    for question in dict.fromkeys(q for plan in plans for q in plan):
        started = time.perf_counter()
        alone[question] = ask(question)
        alone_ms.append(1000 * (time.perf_counter() - started))
    return {
        "users": users, "questions_per_user": each, "answer_concurrency": ANSWER_CONCURRENCY, "cpu_count": os.cpu_count(),
        "single_user": {"questions": len(alone_ms), **percentiles(alone_ms)},
        "under_load": under_load(gradio_client_asker, url, plans, alone),
        "under_load_plain_http": under_load(plain_http_asker, url, plans, alone),
        "note": "latency is client-side per question (HTTP + queue + answer); clients and server share the machine",
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--url", help="a running app; by default app.py is started on a free port")
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)
    with contextlib.nullcontext(args.url) if args.url else running_app() as url:
        report = {"load_average_before": load_before, **measure(url, args.users, args.questions)}
    (ROOT / "bench" / "results" / "load_gradio.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    loads = (report["under_load"], report["under_load_plain_http"])
    return 0 if not any(load["errors"] or load["answers_different_from_alone"] for load in loads) else 1


if __name__ == "__main__":
    sys.exit(main())
