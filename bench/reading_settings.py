"""Choose the span reader's reading settings on questions that no benchmark measures.

The ViNewsQA ``train_subset2000`` questions of the 40 articles held out of reader training
(bench/train_reader.py; the calibration's questions) are asked of the 900-article index, and
the reader reads the first ``MAX_PASSAGES`` passages once. From those readings:

- **answer choice**: reading the first n passages and taking the span with the best
  ``margin - rank_prior * log(1 + rank)`` (span-over-no-answer margin, retrieval rank); token
  F1 of that span against the gold answers, for each n and prior;
- **context**: the answer F1 above at the current n and prior, each passage read alone and
  with as many of its article's sentences around it as fit in one window (``context``);
- **reranking**: ordering the passages read by ``a * answerable + m * margin - log(1 + rank)``;
  the share of questions whose own article then comes first (article R@1 as ``qa eval
  --rerank`` counts it), for each pair (a, m), beside no reranking (0, 0).

ViNewsQA ``dev`` is never read. Each grid's best is reported beside the reader's current
settings; a setting is worth changing when it gains at least ``MIN_GAIN`` (198 questions are few).
Printed, and written with the whole grids to bench/results/reading_settings.json.

    .venv/bin/python bench/reading_settings.py
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibrate import unfitted  # noqa: E402
from train_reader import load_questions  # noqa: E402

from qa.answer.question import analyse  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.eval.metrics import token_f1  # noqa: E402
from qa.index.store import write_json  # noqa: E402
from qa.models.span_reader import SpanReaderSettings, answer_preference, read_passages, trimmed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAX_PASSAGES = 5
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
RANK_PRIORS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
MIN_GAIN = 0.01


@dataclass(frozen=True)
class Read:
    own: np.ndarray  # the passage is from the question's own article
    f1: np.ndarray  # token F1 of the passage's best span
    margin: np.ndarray
    answerable: np.ndarray


def read_all(rows: list[dict], settings: SpanReaderSettings) -> list[Read]:
    pipeline = Assistant.open("vinewsqa", reader="neural", calibration=unfitted("neural")).pipeline
    model = pipeline.reader.model
    found = []
    for row in rows:
        question = analyse(row["question"])
        passages = pipeline.retriever.search_batch([question.text], k=8)[0][:MAX_PASSAGES]
        excerpts, readings = read_passages(model, question, passages, settings=settings)
        spans = [e.text[slice(*trimmed(e.text, r.start, r.end))] for e, r in zip(excerpts, readings, strict=True)]
        found.append(Read(np.array([p.article.id == row["context_id"] for p in passages]),
                          np.array([token_f1(span, row["answers"]) for span in spans]),
                          np.array([r.margin for r in readings]), np.array([r.answerable for r in readings])))
    return found


def answer_f1(found: list[Read], passages: int, rank_prior: float) -> float:
    chosen = []
    for r in (r for r in found if len(r.f1)):
        read = r.margin[:passages]
        chosen.append(r.f1[int(np.argmax(answer_preference(read, np.arange(len(read)), rank_prior=rank_prior)))])
    return float(np.mean(chosen))


def reranked_r1(found: list[Read], answerable_weight: float, margin_weight: float, passages: int) -> float:
    hits = []
    for r in found:
        score = answerable_weight * r.answerable[:passages] + margin_weight * r.margin[:passages] \
            - np.log1p(np.arange(min(passages, len(r.own))))
        hits.append(bool(len(r.own)) and bool(r.own[int(np.argmax(score))]))
    return float(np.mean(hits))


def grid_summary(table: dict[tuple, float], names: tuple[str, str], current: tuple) -> dict:
    best = max(table, key=lambda key: (round(table[key], 6), -sum(key)))
    as_dict = lambda key: {**dict(zip(names, key)), "score": round(table[key], 4)}  # noqa: E731
    return {"current": as_dict(current), "best": as_dict(best), "worth_changing": table[best] - table[current] >= MIN_GAIN,
            "grid": [as_dict(key) for key in table]}


def main() -> int:
    settings = SpanReaderSettings()
    _, rows = load_questions()
    by_context = {context: read_all(rows, replace(settings, context=context)) for context in (False, True)}
    found = by_context[settings.context]
    context = {(around,): answer_f1(read, settings.passages, settings.rank_prior) for around, read in by_context.items()}
    choice = {(n, b): answer_f1(found, n, b) for n, b in itertools.product(range(1, MAX_PASSAGES + 1), RANK_PRIORS)}
    rerank = {(a, m): reranked_r1(found, a, m, settings.passages) for a, m in itertools.product(WEIGHTS, WEIGHTS)}
    report = {
        "questions": len(rows),
        "own_article_among_first": {n: round(float(np.mean([r.own[:n].any() for r in found])), 4) for n in range(1, MAX_PASSAGES + 1)},
        "context_f1": grid_summary(context, ("context",), (settings.context,)),
        "answer_choice_f1": grid_summary(choice, ("passages", "rank_prior"), (settings.passages, settings.rank_prior)),
        "reranked_r1": grid_summary(rerank, ("answerable_weight", "margin_weight"), (0.0, 0.0)),
    }
    write_json(ROOT / "bench" / "results" / "reading_settings.json", report)
    print(json.dumps({key: {k: v for k, v in value.items() if k != "grid"} if isinstance(value, dict) and "grid" in value else value
                      for key, value in report.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
