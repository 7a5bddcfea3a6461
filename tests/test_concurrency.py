"""Answering from many threads at once, as the web app does, gives exactly the serial answers.

The app runs up to ``ANSWER_CONCURRENCY`` answers at once over one shared ``Assistant``. That
is safe because everything they share is only read (FAISS search, bm25s score arrays, the
memory-mapped sentence vectors, the articles) and the model, whose tokenizer is not
thread-safe, is used under the embedder's lock. These tests hold the code to that.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from qa.assistant import Assistant
from qa.eval.gold import load_gold
from tests.support.hashing_embedder import HashingEmbedder

THREADS = 8


def _in_threads(work, items):
    """Run ``work`` on every item from THREADS threads released at the same moment."""
    start = threading.Barrier(THREADS)

    def run(chunk):
        start.wait(timeout=30)
        return [work(item) for item in chunk]

    chunks = [items[i::THREADS] for i in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(run, chunks))
    by_item = {}
    for chunk, answers in zip(chunks, results):
        by_item.update(zip(chunk, answers))
    return by_item


def test_threads_sharing_one_assistant_get_the_serial_answers(tmp_path, sample_dir):
    assistant = Assistant.build([sample_dir], tmp_path / "sample", embedder=HashingEmbedder())
    questions = [g.question for g in load_gold()] * 2
    serial = {q: assistant.ask(q).to_dict() for q in questions}
    parallel = _in_threads(lambda q: assistant.ask(q).to_dict(), list(dict.fromkeys(questions)) * 3)
    assert parallel == serial


def test_threads_sharing_a_real_model_get_the_serial_vectors(tiny_model, sample_dir):
    """Concurrent embed() calls on one shared model (the embedder serialises them) mix nothing up."""
    from qa.ingest.corpus import load_articles
    from qa.models.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(tiny_model))
    text = " ".join(a.text for a in load_articles([sample_dir]).articles)
    texts = [text[: 60 * (i + 1)] for i in range(24)]  # every length differs: padding differs per call
    serial = {t: embedder.embed([t, t[:20]], kind="passage") for t in texts}
    parallel = _in_threads(lambda t: embedder.embed([t, t[:20]], kind="passage"), texts)
    for t in texts:
        assert np.allclose(parallel[t], serial[t], atol=1e-6)


def test_the_page_runs_answers_in_parallel_and_uploads_one_at_a_time():
    from qa.web.handlers import WebApp
    from qa.web.layout import ANSWER_CONCURRENCY, build_demo
    from qa.web.state import AssistantRegistry

    demo = build_demo(WebApp(AssistantRegistry(opener=lambda name: None)))
    limits = {fn.name: (fn.concurrency_id, fn.concurrency_limit) for fn in demo.fns.values()}
    assert limits["api_ask"] == limits["respond"] == ("answer", ANSWER_CONCURRENCY) and ANSWER_CONCURRENCY > 1
    assert limits["add_files"][1] == 1
    assert demo._queue.max_size >= 20  # twenty users each waiting for an answer fit in the queue
