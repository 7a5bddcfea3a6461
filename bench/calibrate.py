"""Fit a reader's two calibration models and their thresholds on questions that no benchmark
or CI floor measures.

Each question gives the reader's features of its best candidate (through the assistant's own
``Pipeline``) and two labels: the question is answerable there ("present"), and the short
answer is right (``is_right``, "right"). An L2-regularised logistic regression per label maps
features to a probability.
- ``present``: below its threshold the assistant abstains ("not_found"); the threshold is the
  highest that abstains on at most ``--max-wrongly-abstained`` of the answerable questions
  typed with diacritics, and the weights of the ``english`` and ``no_diacritics`` features are
  set so that each of those forms abstains on at most that share of its own answerable ones;
  all of this on the questions that ask no fact, after which the weight of ``asks_fact`` (who,
  when, where, how many) is set likewise on those that do. Each source of questions (ViNewsQA,
  VNTC, the gold set) is held to that share on its own.
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
- when-, where- and how-many questions about news (``NEWS_INDEX``, bench/event_questions.py),
  asked of an index of their VNTC articles, where the sentence of about a third of them was
  taken out (unanswerable when the article says the answer nowhere else), as written, in
  English and without diacritics;
- the ``calibration`` split of the project's gold set, on the sample corpus, as written and with
  a specific changed, and asked of the 900-article ViNewsQA index, which holds none of its
  answers (off-topic the other way round).

    .venv/bin/python bench/calibrate.py --write-news   # once, then:
    .venv/bin/qa index build embeddings/bench-data/vntc-events-calibration.jsonl.gz --name vntc-events-calibration
    .venv/bin/python bench/calibrate.py --reader neural
    .venv/bin/python bench/calibrate.py --reader rules --gold-only

Writes qa/data/calibration-<reader>.json and bench/results/calibration-<reader>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
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
MIN_SOURCE_QUESTIONS = 50  # a source held to the abstention bar on its own has at least this many answerable questions
KIND_FEATURE = "asks_fact"  # a person, a date, a place, a count: qa.models.span_reader.FACT_KINDS
FORM_WEIGHTS = np.round(np.arange(-8.0, 8.0, 0.05), 2)
NEVER = -30.0  # a form whose answers reach the target at no weight is never labelled "answered"
# When-, where- and how-many questions about news (bench/event_questions.py), from VNTC's training
# articles: ViNewsQA's health questions have long answers that the reader is rarely sure of, and
# fitted on them alone the abstention threshold (0.13) left 78 % of the Dân trí when-questions
# whose sentence was gone answered. No shipped reader stage has read these questions; a reader
# trained on them needs another source here.
NEWS_INDEX = "vntc-events-calibration"
NEWS_QUESTIONS = 800
NEWS_SEED = 11


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


def abstention_threshold(probabilities: np.ndarray, present: np.ndarray, *, max_wrongly_abstained: float,
                         sources: np.ndarray | None = None) -> float:
    """The highest threshold that abstains on at most that share of each source's answerable
    questions (``sources``: a label per question; None: one source)."""
    groups = [probabilities[rows] for rows in _source_rows(present == 1, sources)]
    allowed = [float(t) for t in GRID if t <= 0.95 and all(np.mean(group < t) <= max_wrongly_abstained for group in groups)]
    return max(allowed, default=0.05)


def answered_threshold(probabilities: np.ndarray, right: np.ndarray, kept: np.ndarray, *, target: float,
                       sources: np.ndarray | None = None) -> float:
    """The lowest threshold at which the kept (not abstained) answers at or above it are right at
    least ``target`` of the time, those of each source too; 1.0 (nothing is "answered") when none
    reaches it."""
    for t in GRID:
        if _right_enough(kept & (probabilities >= t), kept, right, sources, target=target):
            return float(t)
    return 1.0


def _right_enough(labelled: np.ndarray, kept: np.ndarray, right: np.ndarray, sources: np.ndarray | None, *, target: float) -> bool:
    """Some answers are labelled, and those of each source (of enough ``kept`` answers) are right
    at least ``target`` of the time: pooled, the easy news answers let ViNewsQA's labelled ones be
    right only 72 % of the time."""
    groups = [rows & labelled for rows in _source_rows(kept, sources)]
    return bool(labelled.any()) and all(right[rows].mean() >= target for rows in groups if rows.any())


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
                            max_wrongly_abstained: float, sources: np.ndarray | None = None,
                            groups: dict[str, np.ndarray] | None = None) -> Logistic:
    """Each form's weight set so that, at the shared threshold, at most that share of the form's
    answerable questions of each source abstain. ``groups``: the rows of each marked feature
    (default: ``form_rows``; "" is left alone)."""
    cut = threshold_logit(model)
    for name, rows in (form_rows(x, features) if groups is None else groups).items():
        answerable = rows & (present == 1)
        if name and answerable.any():
            weights = [cut - _abstention_edge(_without_form(model, x[source_rows], features, name), max_wrongly_abstained)
                       for source_rows in _source_rows(answerable, sources)]
            model = _with_weight(model, name, max(weights))
    return model


def _source_rows(chosen: np.ndarray, sources: np.ndarray | None) -> list[np.ndarray]:
    """The chosen rows, all of them and those of each source with at least ``MIN_SOURCE_QUESTIONS``
    of them: a share of a handful of questions says nothing (a source with 5 would abstain on none)."""
    groups = [chosen]
    for source in np.unique(sources[chosen]) if sources is not None else ():
        rows = chosen & (sources == source)
        groups += [rows] if rows.sum() >= MIN_SOURCE_QUESTIONS else []
    return groups


def _abstention_edge(scores: np.ndarray, max_wrongly_abstained: float) -> float:
    """A logit cut below which at most that share of ``scores`` falls."""
    ranked = np.sort(scores)
    k = min(int(max_wrongly_abstained * len(ranked)), len(ranked) - 1)  # questions allowed below the cut
    return (ranked[k - 1] + ranked[k]) / 2 if k else ranked[0] - 0.01  # between them: rounding moves none


def form_answered_weights(model: Logistic, x: np.ndarray, right: np.ndarray, kept: np.ndarray, features: tuple[str, ...], *,
                          target: float, sources: np.ndarray | None = None) -> Logistic:
    """Each form's weight: the highest at which the form's kept answers labelled "answered" are
    right at least ``target`` of the time, those of each source too."""
    cut = threshold_logit(model)
    for name, rows in form_rows(x, features).items():
        if not name:
            continue
        shown = rows & kept
        without = _without_form(model, x[shown], features, name)
        shown_sources = sources[shown] if sources is not None else None
        reaching = [float(w) for w in FORM_WEIGHTS
                    if _right_enough(without + w >= cut, np.ones(len(without), dtype=bool), right[shown], shown_sources, target=target)]
        model = _with_weight(model, name, max(reaching, default=NEVER))
    return model


def abstention_cuts(model: Logistic, p: np.ndarray, x: np.ndarray, present: np.ndarray, features: tuple[str, ...], *,
                    sources: np.ndarray, max_wrongly_abstained: float) -> Logistic:
    """The present model's threshold and the weights of the forms and of ``KIND_FEATURE``, so that
    at most that share of the answerable questions of each source, form and kind abstain.

    A cut per source: pooled, the news questions, which the reader is sure of, let ViNewsQA's
    answerable ones abstain 24 % of the time. A cut per kind (the threshold and the forms' cuts
    set on the other questions, then the weight of the fact questions on them): with one cut, the
    fact questions were held to the cut of ViNewsQA's what- and how-questions and answered when
    their sentence was gone."""
    fact = x[:, features.index(KIND_FEATURE)] == 1 if KIND_FEATURE in features else np.zeros(len(x), dtype=bool)
    base = form_rows(x, features)[""] & ~fact
    model = replace(model, threshold=abstention_threshold(p[base], present[base], max_wrongly_abstained=max_wrongly_abstained,
                                                          sources=sources[base]))
    others = {name: rows & ~fact for name, rows in form_rows(x, features).items()}
    model = form_abstention_weights(model, x, present, features, max_wrongly_abstained=max_wrongly_abstained, sources=sources,
                                    groups=others)
    if not fact.any():
        return model
    return form_abstention_weights(model, x, present, features, max_wrongly_abstained=max_wrongly_abstained, sources=sources,
                                   groups={KIND_FEATURE: fact})


def news_questions() -> tuple[list[dict], list[dict]]:
    """The corpus of ``NEWS_INDEX`` (the questions' articles less the sentences of the removed
    twins, and others) and its questions: answerable, or unanswerable when their sentence is gone
    and the rest of the article nowhere writes their answer (a count or a date said twice is not
    gone)."""
    from event_questions import event_questions, still_said
    from eval_reader import DATA, news_corpus, read_rows, twin_labels

    manifest = json.loads((ROOT / "qa" / "weights" / "reader" / "manifest.json").read_text(encoding="utf-8"))
    if any(stage.get("event_repeats") for stage in [manifest, *manifest.get("earlier_stages", [])]):
        raise SystemExit("the shipped reader was trained on VNTC's event questions: calibrate it on questions it has not read")
    source = DATA / "vntc-articles.jsonl.gz"
    asked = event_questions(source, source="vntc", limit=NEWS_QUESTIONS, seed=NEWS_SEED, part="training")
    articles = {a["id"]: a for a in read_rows(source)}
    texts, gone = news_corpus(asked, articles, NEWS_SEED)
    questions = twin_labels(asked, gone, unanswered=lambda row: not still_said(row, texts[row["context_id"]]))
    return [{**articles[a], "text": text} for a, text in sorted(texts.items())], questions


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
    news = Assistant.open(NEWS_INDEX, **options).pipeline
    _, dated = news_questions()
    for form, shown in (("", str), (", in English", in_english), (", without diacritics", fold_accents)):
        sets += [(f"VNTC when-, where- and how-many{form}, answerable", news,
                  [(shown(r["question"]), tuple(r["answers"])) for r in dated if r["answers"]], True),
                 (f"VNTC when-, where- and how-many{form}, sentence gone", news,
                  [(shown(r["question"]), ()) for r in dated if not r["answers"]], False)]
    return [
        *sets,
        ("gold set, calibration split (answerable)", sample, [(g.question, tuple(g.answers)) for g in gold if g.answerable], True),
        ("gold set, calibration split (unanswerable)", sample, [(g.question, ()) for g in gold if not g.answerable], False),
        ("gold set, calibration split, a specific changed", sample, [(q, ()) for q in changed_gold], False),
        ("gold set, calibration split, asked of vinewsqa (off-topic)", full, [(g.question, ()) for g in gold], False),
    ]


def collect_sets(sets: list, features: tuple[str, ...], cache: Path, *, reuse: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each set's (features, present, right), kept in ``cache`` as plain arrays: collecting takes
    half an hour, refitting seconds."""
    names = json.dumps({"features": list(features), "sets": [name for name, *_ in sets]}, ensure_ascii=False)
    if reuse:
        with np.load(cache) as stored:
            if str(stored["names"]) != names:
                raise SystemExit(f"{cache} was collected for other features or sets; run without --reuse-features")
            return [(stored[f"x{i}"], stored[f"present{i}"], stored[f"right{i}"]) for i in range(len(sets))]
    collected = [collect(pipeline, questions, features) for _, pipeline, questions, _ in sets]
    arrays = {f"{kind}{i}": part for i, parts in enumerate(collected) for kind, part in zip(("x", "present", "right"), parts)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache.parent, suffix=".npz", delete=False) as handle:
        np.savez(handle, names=np.array(names), **arrays)
    Path(handle.name).replace(cache)
    return collected


def set_counts(names: list[str], collected: list, kept: np.ndarray) -> dict[str, dict]:
    """Per set on the fitting questions: how many, how many right, how many abstained on."""
    counts, at = {}, 0
    for name, (x, _, right) in zip(names, collected, strict=True):
        counts[name] = {"questions": len(x), "right": int(right.sum()), "abstained": int(np.sum(~kept[at:at + len(x)]))}
        at += len(x)
    return counts


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
    parser.add_argument("--reuse-features", action="store_true",
                        help="refit on the features the last run collected (only when neither the reader nor the questions changed)")
    parser.add_argument("--write-news", action="store_true",
                        help=f"write the corpus of the news questions (then: qa index build <it> --name {NEWS_INDEX}) and stop")
    args = parser.parse_args()
    if args.write_news:
        from eval_reader import write_corpus

        print(write_corpus(NEWS_INDEX, news_questions()[0]))
        return 0
    sets = [s for s in calibration_sets(args.reader) if not args.gold_only or s[0].startswith("gold")]
    reader = sets[0][1].reader
    features = reader.feature_names
    collected = collect_sets(sets, features, ROOT / "embeddings" / "bench-data" / f"calibration-features-{reader.name}.npz", reuse=args.reuse_features)
    x, present, right = (np.concatenate(part) for part in zip(*collected, strict=True))
    sources = np.concatenate([np.full(len(part[0]), name.split()[0]) for (name, *_), part in zip(sets, collected, strict=True)])
    base = form_rows(x, features)[""]
    present_model, present_p = fit(x, present, features)
    present_model = abstention_cuts(present_model, present_p, x, present, features, sources=sources,
                                    max_wrongly_abstained=args.max_wrongly_abstained)
    kept = logits(present_model, x, features) >= threshold_logit(present_model)
    # Fitted on Vietnamese typed with diacritics: fitted on every form, its shared weights ranked
    # those answers too poorly for any but the top 1 % to reach the target.
    right_model, right_p = fit(x[base], right[base], features)
    right_model = replace(right_model, threshold=answered_threshold(right_p, right[base], kept[base], target=args.target_precision,
                                                                    sources=sources[base]))
    right_model = form_answered_weights(right_model, x, right, kept, features, target=args.target_precision, sources=sources)
    right_p = probabilities(right_model, x, features)
    trust = np.where(~kept, "not_found", np.where(right_p >= right_model.threshold, "answered", "unsure"))
    calibration = Calibration(
        reader=reader.name, present=present_model, right=right_model, settings=reader.settings.to_dict(),
        fitted_on="; ".join(f"{name} ({len(x)})" for (name, *_), (x, _, _) in zip(sets, collected, strict=True)),
    ).to_dict()
    write_json(ROOT / "qa" / "data" / f"calibration-{reader.name}.json", calibration)
    report = {**calibration, "sets": set_counts([name for name, *_ in sets], collected, kept), "target_precision": args.target_precision,
              "labels": label_counts(trust, present, right),
              "in_sample": "fitted and measured on the same questions: optimistic; bench/trust_labels.py measures held-out"}
    write_json(ROOT / "bench" / "results" / f"calibration-{reader.name}.json", report)
    json.dump(report["labels"], sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
