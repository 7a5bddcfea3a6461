"""Fit a reader's answer-confidence model and abstention threshold on questions that no
benchmark or CI floor measures.

Each question gives the reader's features of its best candidate (through the assistant's own
``Pipeline``) and a label: 1 when the question is answerable there and the short answer is right
(``is_right``), else 0. An L2-regularised logistic regression maps features to a probability;
the threshold maximises correct decisions (answer right, or abstain where the articles cannot
answer, the latter weighted ``UNANSWERABLE_WEIGHT``).

Questions (never ViNewsQA ``dev``, never the gold set's ``test`` split):
- the ViNewsQA ``train_subset2000`` questions of the 40 articles held out of reader training,
  asked of the 900-article index (answerable) and of an index without their articles
  (unanswerable: the gold-removed setting of bench/eval_reader.py);
- the ``calibration`` split of the project's gold set, on the sample corpus.

    .venv/bin/python bench/calibrate.py --reader neural

Writes qa/data/calibration-<reader>.json and bench/results/calibration-<reader>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer.calibration import Calibration  # noqa: E402
from qa.assistant import Assistant, default_assistant  # noqa: E402
from qa.eval.gold import contains_any, load_gold  # noqa: E402
from qa.eval.metrics import token_f1  # noqa: E402
from qa.pipeline import Pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# A confident answer to a question the articles cannot answer costs twice a missed answer:
# a reader can ask again, but a wrong answer with a citation misleads.
UNANSWERABLE_WEIGHT = 2.0
MAX_ANSWER_CHARS = 120  # a whole sentence is not a short answer
RIGHT_F1 = 0.5
# Abstention should mean "the articles do not say": a reader who gets no answer to a question
# the articles do answer has been failed, so at most this share of answerable questions abstain.
MAX_WRONGLY_ABSTAINED = 0.10


def is_right(text: str, answers: list[str]) -> bool:
    """A short answer that holds a gold answer, or mostly overlaps one (ViNewsQA's gold spans
    are long phrases: "thể thao, nhất là marathon"; a reader giving "marathon" is of use)."""
    short = len(text) <= MAX_ANSWER_CHARS
    return short and (contains_any(text, answers) or token_f1(text, answers) >= RIGHT_F1)


def collect(pipeline: Pipeline, questions: list[tuple[str, tuple[str, ...]]], features: tuple[str, ...], *, label: str):
    """The best candidate's features and its label: the short answer is right, or (``present``)
    the articles hold an answer at all."""
    rows, labels = [], []
    for start in range(0, len(questions), 32):
        batch = questions[start:start + 32]
        for (_, answers), reading in zip(batch, pipeline.read_batch([q for q, _ in batch], k=5), strict=True):
            if not reading.candidates:
                continue
            best = reading.candidates[0]
            rows.append([best.features[name] for name in features])
            right = is_right(best.answer_text, list(answers)) if label == "right" else True
            labels.append(int(bool(answers) and right))
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


def best_threshold(probabilities: np.ndarray, right: np.ndarray, unanswerable: np.ndarray, *,
                   max_wrongly_abstained: float | None = None) -> float:
    """The threshold with the most correct decisions; with ``max_wrongly_abstained``, the highest
    one that abstains on at most that share of the answerable questions."""
    answerable = unanswerable == 0
    if max_wrongly_abstained is not None:
        allowed = [float(t) for t in np.round(np.arange(0.05, 0.96, 0.01), 2)
                   if np.mean(probabilities[answerable] < t) <= max_wrongly_abstained]
        return max(allowed, default=0.05)
    scores = {}
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        answer = probabilities >= t
        scores[float(t)] = float(np.sum(answer * right) + UNANSWERABLE_WEIGHT * np.sum(~answer * unanswerable))
    return max(scores, key=lambda t: (scores[t], -abs(t - 0.5)))


def calibration_sets(reader: str) -> list[tuple[str, Pipeline, list[tuple[str, tuple[str, ...]]], bool]]:
    """(name, pipeline, questions, answerable there) for every calibration source."""
    from train_reader import load_questions

    _, held_out = load_questions()
    news = [(r["question"], tuple(r["answers"])) for r in held_out]
    gold = [g for g in load_gold() if g.split == "calibration"]
    sample = default_assistant(reader=reader).pipeline
    return [
        ("vinewsqa held-out train, own article present", Assistant.open("vinewsqa", reader=reader).pipeline, news, True),
        ("vinewsqa held-out train, own article removed", Assistant.open("vinewsqa-minus", reader=reader).pipeline,
         [(q, ()) for q, _ in news], False),
        ("gold set, calibration split (answerable)", sample, [(g.question, tuple(g.answers)) for g in gold if g.answerable], True),
        ("gold set, calibration split (unanswerable)", sample, [(g.question, ()) for g in gold if not g.answerable], False),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", default="neural")
    parser.add_argument("--label", choices=("present", "right"), default="present",
                        help="fit the probability that the articles hold the answer (default) or that the short answer is right")
    parser.add_argument("--max-wrongly-abstained", type=float, default=MAX_WRONGLY_ABSTAINED,
                        help="with --label present: abstain on at most this share of answerable questions")
    parser.add_argument("--gold-only", action="store_true",
                        help="fit on the gold set's calibration split alone (the rules were written for the sample's kind of news)")
    args = parser.parse_args()
    sets = [s for s in calibration_sets(args.reader) if not args.gold_only or s[0].startswith("gold")]
    reader = sets[0][1].reader
    features = reader.feature_names
    xs, ys, unanswerable, counts = [], [], [], {}
    for name, pipeline, questions, answerable in sets:
        x, y = collect(pipeline, questions, features, label=args.label)
        xs.append(x), ys.append(y), unanswerable.append(np.full(len(y), float(not answerable)))
        counts[name] = {"questions": len(y), "right": int(y.sum())}
    x, y, unanswerable = np.concatenate(xs), np.concatenate(ys), np.concatenate(unanswerable)
    weights, bias = fit_logistic(x, y)
    probabilities = 1 / (1 + np.exp(-(x @ weights + bias)))
    limit = args.max_wrongly_abstained if args.label == "present" else None
    threshold = best_threshold(probabilities, y, unanswerable, max_wrongly_abstained=limit)
    answered = probabilities >= threshold
    calibration = Calibration(
        reader=reader.name, fitted_on=f"label {args.label}: " + "; ".join(f"{n} ({c['questions']})" for n, c in counts.items()),
        weights={name: round(float(w), 5) for name, w in zip(features, weights)}, bias=round(bias, 5),
        threshold=threshold, settings=reader.settings.to_dict(),
    ).to_dict()
    (ROOT / "qa" / "data" / f"calibration-{reader.name}.json").write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
    report = {**calibration, "sets": counts,
              "answered": int(answered.sum()), "answered_right": int(np.sum(answered * y)),
              "answered_precision": round(float(np.sum(answered * y) / max(1, answered.sum())), 4),
              "abstained_on_unanswerable": int(np.sum(~answered * unanswerable)), "unanswerable": int(unanswerable.sum()),
              "abstained_on_answerable": int(np.sum(~answered * (1 - unanswerable))),
              "in_sample": "fitted and measured on the same questions: optimistic; bench/eval_reader.py measures held-out"}
    (ROOT / "bench" / "results" / f"calibration-{reader.name}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
