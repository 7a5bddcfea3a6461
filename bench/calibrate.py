"""Fit the answer-confidence model and the abstention threshold on the project's gold set.

Each gold question gives the answer signals (the reader's ``Candidate.features``) and a label: 1
when the question is answerable and the chosen sentence holds a gold answer, else 0
(unanswerable questions, and answerable ones we would get wrong). An L2-regularised logistic
regression maps signals to a probability; the threshold is the one that maximises correct
decisions (answer right, or abstain on an unanswerable question, the latter weighted
``UNANSWERABLE_WEIGHT``). Writes
qa/data/calibration-<reader>.json and bench/results/calibration.json.

    .venv/bin/python bench/calibrate.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from qa.answer.calibration import Calibration
from qa.assistant import default_assistant
from qa.eval.gold import contains_any, load_gold

ROOT = Path(__file__).resolve().parents[1]
def collect(pipeline, gold, features):
    """The best candidate's features and whether it is right, through the assistant's own pipeline."""
    rows, labels = [], []
    for item, reading in zip(gold, pipeline.read_batch([g.question for g in gold], k=5), strict=True):
        best = reading.candidates[0]
        rows.append([best.features[name] for name in features])
        labels.append(int(item.answerable and contains_any(best.text, item.answers)))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 20000, rate: float = 0.1):
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        w -= rate * (z.T @ (p - y) / len(y) + l2 * w / len(y))
        b -= rate * float(np.mean(p - y))
    # Fold the standardisation back so the bundled weights apply to raw features.
    return w / std, b - float(np.sum(w * mean / std))


# A confident answer to a question the articles cannot answer costs twice a missed answer:
# a reader can ask again, but a wrong answer with a citation misleads.
UNANSWERABLE_WEIGHT = 2.0


def best_threshold(probabilities: np.ndarray, answerable_right: np.ndarray, unanswerable: np.ndarray) -> float:
    scores = {}
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        answer = probabilities >= t
        scores[float(t)] = float(np.sum(answer * answerable_right) + UNANSWERABLE_WEIGHT * np.sum(~answer * unanswerable))
    return max(scores, key=lambda t: (scores[t], -abs(t - 0.5)))


def main() -> int:
    pipeline = default_assistant().pipeline
    features = pipeline.reader.feature_names
    gold = load_gold()
    x, y = collect(pipeline, gold, features)
    weights, bias = fit_logistic(x, y)
    probabilities = 1 / (1 + np.exp(-(x @ weights + bias)))
    unanswerable = np.array([not g.answerable for g in gold], dtype=float)
    threshold = best_threshold(probabilities, y, unanswerable)
    answered = probabilities >= threshold
    decisions = np.where(answered, y, unanswerable)
    calibration = Calibration(
        reader=pipeline.reader.name, fitted_on="qa/data/gold_sample.jsonl (all questions; in-sample)",
        weights={name: round(float(w), 4) for name, w in zip(features, weights)}, bias=round(bias, 4),
        threshold=threshold, settings=pipeline.reader.settings.to_dict(),
    ).to_dict()
    target = ROOT / "qa" / "data" / f"calibration-{pipeline.reader.name}.json"
    target.write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
    report = {**calibration, "questions": len(gold), "positives": int(y.sum()), "unanswerable": int(unanswerable.sum()),
              "correct_decisions": round(float(decisions.mean()), 4),
              "answered_right": int(np.sum(answered * y)), "abstained_on_unanswerable": int(np.sum(~answered * unanswerable)),
              "abstained_on_answerable": int(np.sum(~answered * (1 - unanswerable))),
              "in_sample": "fitted and measured on the same 107 questions: optimistic"}
    (ROOT / "bench" / "results" / "calibration.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
