"""Fit a reader's two calibration models and their thresholds on questions that no benchmark
or CI floor measures.

Each question gives the reader's features of its best candidate (through the assistant's own
``Pipeline``) and two labels: the question is answerable there ("present"), and the short
answer is right (``is_right``, "right"). An L2-regularised logistic regression per label maps
features to a probability.
- ``present``: below its threshold the assistant abstains ("not_found"); the threshold is the
  highest that abstains on at most ``--max-wrongly-abstained`` of the answerable questions
  typed with diacritics, and the weights of the ``english`` and ``no_diacritics`` features are
  set so that each of those forms abstains on at most that share of its own answerable ones.
- ``right``: at or above its threshold an answer is labelled "answered", below "unsure"; fitted
  on the questions typed with diacritics, its threshold is the lowest at which the answers so
  labelled were right at least ``--target-precision`` of the time, and each form's weight the
  highest at which that form's answers so labelled were (measured on these same questions:
  held-out figures are bench/trust_labels.py's).

Questions (never ViNewsQA ``dev``, never the gold set's ``test`` split):
- the ViNewsQA ``train_subset2000`` questions of the 40 articles held out of reader training,
  asked of the 900-article index (answerable), of an index without their articles
  (unanswerable: the gold-removed setting of bench/eval_reader.py) and of an index where their
  articles are present without the sentences that held the answers (unanswerable: the
  answer-cut setting; without it the models learnt "the article is missing" and not "the
  article does not say") and of the sample corpus, whose two articles say nothing of them
  (unanswerable: off the corpus's topics; fitted without it, health questions asked of the
  sample in English or without diacritics were answered: every unanswerable question the
  models had seen was on a topic its corpus covered), each as written, in English
  (bench/english_forms.py, English word order) and without diacritics; and the 81 of them
  that a person wrote in plain English (bench/data/train_english.jsonl), in the same four
  settings; and, asked of the 900-article index, each of them with its number or a name
  changed to one its article never writes (bench/changed_specifics.py: unanswerable, though
  every other word matches; before them the models answered "Ai chủ trì hội nghị tổng kết năm
  2021?" of an article about 2022 at 0.77);
- the ``calibration`` split of the project's gold set, on the sample corpus, as written and with
  a specific changed, and asked of the 900-article ViNewsQA index, which holds none of its
  answers (off-topic the other way round).

    .venv/bin/python bench/calibrate.py --reader neural
    .venv/bin/python bench/calibrate.py --reader rules --gold-only

Writes qa/data/calibration-<reader>.json and bench/results/calibration-<reader>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer.calibration import Calibration, Logistic  # noqa: E402
from qa.assistant import Assistant, open_or_build_sample  # noqa: E402
from qa.eval.gold import contains_any, load_gold  # noqa: E402
from qa.eval.metrics import token_f1  # noqa: E402
from qa.index.store import write_json  # noqa: E402
from qa.models.embedder import make_embedder  # noqa: E402
from qa.pipeline import Pipeline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# 81 of the held-out questions written in plain English by a person, ids and English only.
WRITTEN_ENGLISH = ROOT / "bench" / "data" / "train_english.jsonl"
CHANGED_SEED = 5
MAX_ANSWER_CHARS = 120  # a whole sentence is not a short answer
RIGHT_F1 = 0.5
# Abstention should mean "the articles do not say": a reader who gets no answer to a question
# the articles do answer has been failed, so at most this share of answerable questions abstain.
MAX_WRONGLY_ABSTAINED = 0.10
# The bar: an answer labelled "answered" is right at least this often.
TARGET_PRECISION = 0.90
GRID = np.round(np.arange(0.05, 1.0, 0.01), 2)
# How a question was typed, as the features mark it (one-hot; neither: Vietnamese with
# diacritics). Each form gets its own thresholds, written as the weight of its feature: a
# question typed in English or bare scores differently throughout, and one shared threshold
# abstained on 19 % of bare answerable questions while leaving 77 % of English unanswerable
# ones answered.
FORM_FEATURES = ("english", "no_diacritics")
FORM_WEIGHTS = np.round(np.arange(-8.0, 8.0, 0.05), 2)
NEVER = -30.0  # a form whose answers reach the target at no weight is never labelled "answered"


def is_right(text: str, answers: list[str]) -> bool:
    """A short answer that holds a gold answer, or mostly overlaps one (ViNewsQA's gold spans
    are long phrases: "thể thao, nhất là marathon"; a reader giving "marathon" is of use)."""
    short = len(text) <= MAX_ANSWER_CHARS
    return short and (contains_any(text, answers) or token_f1(text, answers) >= RIGHT_F1)


def collect(pipeline: Pipeline, questions: list[tuple[str, tuple[str, ...]]], features: tuple[str, ...]):
    """The best candidate's features, and its labels: the articles hold an answer, the short answer is right."""
    rows, present, right = [], [], []
    for start in range(0, len(questions), 32):
        batch = questions[start:start + 32]
        for (_, answers), reading in zip(batch, pipeline.read_batch([q for q, _ in batch], k=5), strict=True):
            if not reading.candidates:
                continue
            best = reading.candidates[0]
            rows.append([best.features[name] for name in features])
            present.append(bool(answers))
            right.append(bool(answers) and is_right(best.answer_text, list(answers)))
    return np.asarray(rows, dtype=np.float64), np.asarray(present, dtype=np.float64), np.asarray(right, dtype=np.float64)


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


def abstention_threshold(probabilities: np.ndarray, present: np.ndarray, *, max_wrongly_abstained: float) -> float:
    """The highest threshold that abstains on at most that share of the answerable questions."""
    answerable = probabilities[present == 1]
    allowed = [float(t) for t in GRID if t <= 0.95 and np.mean(answerable < t) <= max_wrongly_abstained]
    return max(allowed, default=0.05)


def answered_threshold(probabilities: np.ndarray, right: np.ndarray, kept: np.ndarray, *, target: float) -> float:
    """The lowest threshold at which the kept (not abstained) answers at or above it are right at
    least ``target`` of the time; 1.0 (nothing is "answered") when none reaches it."""
    for t in GRID:
        answered = kept & (probabilities >= t)
        if answered.any() and right[answered].mean() >= target:
            return float(t)
    return 1.0


def logits(model: Logistic, x: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    return x @ np.asarray([model.weights[name] for name in features]) + model.bias


def probabilities(model: Logistic, x: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    return 1 / (1 + np.exp(-logits(model, x, features)))


def threshold_logit(model: Logistic) -> float:
    """The model's threshold on the logit scale (infinite for 1.0: nothing reaches it)."""
    return float(np.log(model.threshold / (1 - model.threshold))) if model.threshold < 1 else np.inf


def _without_form(model: Logistic, x: np.ndarray, features: tuple[str, ...], name: str) -> np.ndarray:
    return logits(model, x, features) - model.weights[name]


def _with_weight(model: Logistic, name: str, weight: float) -> Logistic:
    return replace(model, weights={**model.weights, name: round(float(weight), 5)})


def form_rows(x: np.ndarray, features: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Row masks per form; "" is Vietnamese typed with diacritics."""
    marked = {name: x[:, features.index(name)] == 1 for name in FORM_FEATURES}
    return {"": ~np.logical_or.reduce(list(marked.values())), **marked}


def form_abstention_weights(model: Logistic, x: np.ndarray, present: np.ndarray, features: tuple[str, ...], *,
                            max_wrongly_abstained: float) -> Logistic:
    """Each form's weight set so that, at the shared threshold, at most that share of the form's
    answerable questions abstain."""
    cut = threshold_logit(model)
    for name, rows in form_rows(x, features).items():
        answerable = rows & (present == 1)
        if name and answerable.any():
            ranked = np.sort(_without_form(model, x[answerable], features, name))
            k = min(int(max_wrongly_abstained * len(ranked)), len(ranked) - 1)  # questions allowed below the cut
            edge = (ranked[k - 1] + ranked[k]) / 2 if k else ranked[0] - 0.01  # between them: rounding moves none
            model = _with_weight(model, name, cut - edge)
    return model


def form_answered_weights(model: Logistic, x: np.ndarray, right: np.ndarray, kept: np.ndarray, features: tuple[str, ...], *,
                          target: float) -> Logistic:
    """Each form's weight: the highest at which the form's kept answers labelled "answered" are
    right at least ``target`` of the time."""
    cut = threshold_logit(model)
    for name, rows in form_rows(x, features).items():
        if not name:
            continue
        shown = rows & kept
        without = _without_form(model, x[shown], features, name)
        reaching = [float(w) for w in FORM_WEIGHTS
                    if (labelled := without + w >= cut).any() and right[shown][labelled].mean() >= target]
        model = _with_weight(model, name, max(reaching, default=NEVER))
    return model


def unfitted(reader: str) -> Calibration:
    """A stand-in for the reader's calibration while features are collected: the bundled file
    may be of an older format or for other features, which is why it is being refitted."""
    from qa.answer.rules import RuleSettings, RulesReader
    from qa.models.span_reader import SpanReader, SpanReaderSettings

    kind, settings = {"neural": (SpanReader, SpanReaderSettings()), "rules": (RulesReader, RuleSettings())}[reader]
    blank = Logistic(weights=dict.fromkeys(kind.feature_names, 0.0), bias=0.0, threshold=0.0)
    return Calibration(reader=reader, present=blank, right=blank, settings=settings.to_dict())


def calibration_sets(reader: str) -> list[tuple[str, Pipeline, list[tuple[str, tuple[str, ...]]], bool]]:
    """(name, pipeline, questions, answerable there) for every calibration source. The news
    questions are asked as written, in English (English word order, known words glossed) and
    without diacritics, the ways users type: fitted on Vietnamese alone, the models kept answering
    English questions whose articles had been removed (bench/eval_reader.py, who-questions)."""
    from changed_specifics import change_a_specific, name_pool
    from english_forms import in_english, written_in_english
    from eval_reader import cut_articles, still_answered
    from train_reader import load_questions

    from qa.ingest.text import fold_accents

    training, held_out = load_questions()
    news = [(r["question"], tuple(r["answers"])) for r in held_out]
    cut = cut_articles()
    unsaid = [r["question"] for r in held_out if not still_answered(r, cut)]
    gold = [g for g in load_gold() if g.split == "calibration"]
    pool = name_pool([r["question"] for r in training + held_out if r["split"] == "train_subset2000"] + [g.question for g in gold])
    rng = random.Random(CHANGED_SEED)
    changed = [q for r in held_out if (q := change_a_specific(r["question"], r["context"], pool, rng))]
    options = {"reader": reader, "calibration": unfitted(reader)}
    sample = open_or_build_sample(make_embedder(), show_progress=False, **options).pipeline
    sample_text = "\n".join(article.text for article in sample.index.articles)
    changed_gold = [q for g in gold if g.answerable and (q := change_a_specific(g.question, sample_text, pool, rng))]
    full, minus = Assistant.open("vinewsqa", **options).pipeline, Assistant.open("vinewsqa-minus", **options).pipeline
    cut_index = Assistant.open("vinewsqa-cut", **options).pipeline
    sets = []
    for form, shown in (("", str), (", in English", in_english), (", without diacritics", fold_accents)):
        asked = [(shown(q), answers) for q, answers in news]
        sets += [(f"vinewsqa held-out train{form}, own article present", full, asked, True),
                 (f"vinewsqa held-out train{form}, own article removed", minus, [(q, ()) for q, _ in asked], False),
                 (f"vinewsqa held-out train{form}, answer sentences cut", cut_index, [(shown(q), ()) for q in unsaid], False),
                 (f"vinewsqa held-out train{form}, asked of the sample (off-topic)", sample, [(q, ()) for q, _ in asked], False),
                 (f"vinewsqa held-out train{form}, a specific changed", full, [(shown(q), ()) for q in changed], False)]
    # Machine English keeps every Vietnamese word its glossary lacks; English as people write it
    # scores lower throughout.
    written = [(english, tuple(row["answers"]), row["question"]) for english, row in written_in_english(WRITTEN_ENGLISH, held_out)]
    unsaid_written = [(q, ()) for q, _, original in written if original in unsaid]
    sets += [("vinewsqa held-out train, written in English, own article present", full, [(q, a) for q, a, _ in written], True),
             ("vinewsqa held-out train, written in English, own article removed", minus, [(q, ()) for q, _, _ in written], False),
             ("vinewsqa held-out train, written in English, answer sentences cut", cut_index, unsaid_written, False),
             ("vinewsqa held-out train, written in English, asked of the sample (off-topic)", sample,
              [(q, ()) for q, _, _ in written], False)]
    return [
        *sets,
        ("gold set, calibration split (answerable)", sample, [(g.question, tuple(g.answers)) for g in gold if g.answerable], True),
        ("gold set, calibration split (unanswerable)", sample, [(g.question, ()) for g in gold if not g.answerable], False),
        ("gold set, calibration split, a specific changed", sample, [(q, ()) for q in changed_gold], False),
        ("gold set, calibration split, asked of vinewsqa (off-topic)", full, [(g.question, ()) for g in gold], False),
    ]


def fit(x: np.ndarray, labels: np.ndarray, features: tuple[str, ...]) -> tuple[Logistic, np.ndarray]:
    """A logistic model (threshold to be set) and its probabilities on the fitting questions."""
    weights, bias = fit_logistic(x, labels)
    model = Logistic(weights={name: round(float(w), 5) for name, w in zip(features, weights)}, bias=round(bias, 5), threshold=0.5)
    return model, probabilities(model, x, features)


def label_counts(trust: np.ndarray, present: np.ndarray, right: np.ndarray) -> dict:
    """Per trust label on the fitting questions: how many, how many right, how many unanswerable."""
    return {label: {"questions": int(np.sum(trust == label)), "right": int(np.sum(right[trust == label])),
                    "unanswerable": int(np.sum(1 - present[trust == label]))}
            for label in ("answered", "unsure", "not_found")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", default="neural")
    parser.add_argument("--max-wrongly-abstained", type=float, default=MAX_WRONGLY_ABSTAINED,
                        help="abstain on at most this share of answerable questions")
    parser.add_argument("--target-precision", type=float, default=TARGET_PRECISION,
                        help='answers labelled "answered" are right at least this often on the fitting questions')
    parser.add_argument("--gold-only", action="store_true",
                        help="fit on the gold set's calibration split alone (the rules were written for the sample's kind of news)")
    args = parser.parse_args()
    sets = [s for s in calibration_sets(args.reader) if not args.gold_only or s[0].startswith("gold")]
    reader = sets[0][1].reader
    features = reader.feature_names
    collected, counts = [], {}
    for name, pipeline, questions, _ in sets:
        x, present, right = collect(pipeline, questions, features)
        collected.append((x, present, right))
        counts[name] = {"questions": len(x), "right": int(right.sum())}
    x, present, right = (np.concatenate(part) for part in zip(*collected, strict=True))
    base = form_rows(x, features)[""]
    present_model, present_p = fit(x, present, features)
    present_model = replace(present_model, threshold=abstention_threshold(
        present_p[base], present[base], max_wrongly_abstained=args.max_wrongly_abstained))
    present_model = form_abstention_weights(present_model, x, present, features, max_wrongly_abstained=args.max_wrongly_abstained)
    kept = logits(present_model, x, features) >= threshold_logit(present_model)
    # Fitted on Vietnamese typed with diacritics: fitted on every form, its shared weights ranked
    # those answers too poorly for any but the top 1 % to reach the target.
    right_model, right_p = fit(x[base], right[base], features)
    right_model = replace(right_model, threshold=answered_threshold(right_p, right[base], kept[base], target=args.target_precision))
    right_model = form_answered_weights(right_model, x, right, kept, features, target=args.target_precision)
    right_p = probabilities(right_model, x, features)
    trust = np.where(~kept, "not_found", np.where(right_p >= right_model.threshold, "answered", "unsure"))
    calibration = Calibration(
        reader=reader.name, present=present_model, right=right_model, settings=reader.settings.to_dict(),
        fitted_on="; ".join(f"{n} ({c['questions']})" for n, c in counts.items()),
    ).to_dict()
    write_json(ROOT / "qa" / "data" / f"calibration-{reader.name}.json", calibration)
    report = {**calibration, "sets": counts, "target_precision": args.target_precision,
              "labels": label_counts(trust, present, right),
              "in_sample": "fitted and measured on the same questions: optimistic; bench/trust_labels.py measures held-out"}
    write_json(ROOT / "bench" / "results" / f"calibration-{reader.name}.json", report)
    json.dump(report["labels"], sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
