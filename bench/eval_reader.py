"""The answer stage measured on questions no part of it was fitted on, against the issue's targets.

1. ViNewsQA ``dev`` (2,497 questions, never trained or calibrated on) through ``qa eval``
   over the 900-article index: answer F1 / EM, article R@1, ``ask()`` latency, for the span
   reader with and without reranking and for the rules.
2. Gold-removed abstention: the dev questions of half of the dev articles asked of an index
   without those articles (must abstain), and the same questions of the full index (must
   answer). Abstention precision / recall, answerable questions wrongly abstained.
   Answer-cut abstention (``cut``): the same questions asked of an index where their articles
   are present but every sentence holding an answer of theirs was taken out: the article is
   about the event, it does not say what was asked (the hardest "not in the articles" case).
   Changed-specifics abstention (``changed``): dev questions with their number or a name
   changed to one their article never writes (bench/changed_specifics.py), asked of the full
   index: every other word still matches.
3. The English questions of the project's gold set (``test`` split): short answer right.
4. ViNewsQA ``dev`` typed without diacritics (every question folded to bare letters, as many
   users type), and put in English (bench/english_forms.py), as written and typed bare (names
   such as "Quang Ninh" without their marks), over the same index; and 45 dev questions written
   in plain English by a person (``english-written``, bench/data/dev_english.jsonl), whose
   words, names aside, no article holds.
5. Who-questions over news (``roles``): the questions bench/role_questions.py writes from Dân trí
   (never trained on), asked of an index of the articles they come from and 400 others, as
   written, without diacritics, code-switched into English and in English word order (as
   written, and typed bare). A share of them must go unanswered: their sentence was taken out
   of the indexed article (and the person named nowhere else in it), or they come from
   held-out VNTC articles of 2005-2007 whose office or topic no indexed article mentions.
6. When- and where-questions over news (``events``): the questions bench/event_questions.py
   writes from Dân trí sentences that open with their date, in the same five forms, asked of an
   index of their articles and 400 others; those whose sentence was taken out must go unanswered.

Indexes (built once, reused; generated content under embeddings/):
    qa index build ../shared/data/vinewsqa-dev/contexts.jsonl.gz --name vinewsqa
    qa index build embeddings/bench-data/vinewsqa-minus.jsonl.gz --name vinewsqa-minus
    qa index build embeddings/bench-data/vinewsqa-cut.jsonl.gz --name vinewsqa-cut
    qa index build embeddings/bench-data/dantri-roles.jsonl.gz --name dantri-roles
    qa index build embeddings/bench-data/dantri-events.jsonl.gz --name dantri-events
(``--write-minus`` writes the second corpus: the 900 articles minus half of the dev articles
and minus the 40 training articles held out for calibration; ``--write-cut`` the third: the
900 articles with those articles' answer sentences taken out; ``--write-roles`` the fourth,
``--write-events`` the fifth.)

    .venv/bin/python bench/eval_reader.py [--limit N] [--reader neural --reader rules] [--set gold ...]
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import random
import sys
import time
from pathlib import Path

from qa.eval.evaluate import evaluate
from qa.eval.metrics import ranking_auc
from qa.eval.report import write_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # the other benchmark modules, imported where they are used
DATA = Path("..") / "shared" / "data"
GOLD = DATA / "vinewsqa-dev" / "qa.jsonl.gz"
SCRATCH = Path("embeddings") / "bench-data"
RESULTS = ROOT / "bench" / "results" / "eval_reader"
REMOVED_SEED = 7
CHANGED_SEED = 11
HELD_OUT_SEED, HELD_OUT_ARTICLES = 20261203, 40  # as bench/train_reader.py
SETS = ("dev+rerank", "dev", "removed", "cut", "changed", "no-diacritics", "english", "english-bare", "english-written", "gold", "roles", "events")
WRITTEN_ENGLISH = ROOT / "bench" / "data" / "dev_english.jsonl"
ROLE_DISTRACTORS = 400


def read_rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def removed_articles() -> tuple[set[str], set[str]]:
    """Half of the dev articles (removed to test abstention) and the calibration articles."""
    rows = read_rows(GOLD)
    dev = sorted({r["context_id"] for r in rows if r["split"] == "dev"})
    train = sorted({r["context_id"] for r in rows if r["split"] == "train_subset2000"})
    return set(random.Random(REMOVED_SEED).sample(dev, len(dev) // 2)), set(random.Random(HELD_OUT_SEED).sample(train, HELD_OUT_ARTICLES))


def write_minus_corpus() -> Path:
    removed, held_out = removed_articles()
    target = SCRATCH / "vinewsqa-minus.jsonl.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for article in read_rows(DATA / "vinewsqa-dev" / "contexts.jsonl.gz"):
            if article["id"] not in removed | held_out:
                out.write(json.dumps(article, ensure_ascii=False) + "\n")
    return target


def cut_articles() -> dict[str, str]:
    """The removed dev articles and the calibration articles, each without every sentence that
    holds a gold answer of any of its questions."""
    from train_reader import answer_spans, sentences_without

    removed, held_out = removed_articles()
    answers: dict[str, list[tuple[int, int]]] = {}
    for r in read_rows(GOLD):
        if r["context_id"] in removed | held_out:
            answers.setdefault(r["context_id"], []).extend(answer_spans(r))
    articles = {a["id"]: a["text"] for a in read_rows(DATA / "vinewsqa-dev" / "contexts.jsonl.gz")}
    return {a: " ".join(articles[a][s:e] for s, e in sentences_without(articles[a], spans)) for a, spans in answers.items()}


def still_answered(question: dict, cut: dict[str, str]) -> bool:
    """A gold answer is still written in the cut article (said twice): whether it answers is unclear."""
    text = cut[question["context_id"]].lower()
    return any(answer.lower() in text for answer in question["answers"])


def write_cut_corpus() -> Path:
    cut = cut_articles()
    target = SCRATCH / "vinewsqa-cut.jsonl.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for article in read_rows(DATA / "vinewsqa-dev" / "contexts.jsonl.gz"):
            text = cut.get(article["id"], article["text"])
            if text:  # an article made only of answer sentences is left out, as in the removed setting
                out.write(json.dumps({**article, "text": text}, ensure_ascii=False) + "\n")
    return target


def cut_questions(*, limit: int | None) -> Path:
    """The removed dev articles' questions whose answers the cut articles no longer hold, as unanswerable."""
    removed, _ = removed_articles()
    cut = cut_articles()
    chosen = [r for r in read_rows(GOLD) if r["split"] == "dev" and r["context_id"] in removed and not still_answered(r, cut)]
    return _write_questions(SCRATCH / "cut-unanswerable.jsonl",
                            [{"id": r["id"], "question": r["question"], "answers": [], "doc_id": r["context_id"]}
                             for r in chosen[:limit]])


def changed_questions(*, limit: int | None) -> Path:
    """Dev questions with a number or name changed to one their article never writes, as unanswerable."""
    from changed_specifics import change_a_specific, name_pool

    dev = [r for r in read_rows(GOLD) if r["split"] == "dev"]
    pool, rng = name_pool(r["question"] for r in dev), random.Random(CHANGED_SEED)
    changed = [(r, change_a_specific(r["question"], r["context"], pool, rng)) for r in dev]
    return _write_questions(SCRATCH / "changed-unanswerable.jsonl",
                            [{"id": r["id"], "question": question, "answers": [], "doc_id": r["context_id"]}
                             for r, question in changed if question][:limit])


def removed_questions(*, answerable: bool, limit: int | None) -> Path:
    """The dev questions about the removed articles, with their answers or as unanswerable."""
    removed, _ = removed_articles()
    chosen = [r for r in read_rows(GOLD) if r["split"] == "dev" and r["context_id"] in removed][:limit]
    return _write_questions(SCRATCH / f"removed-{'answerable' if answerable else 'unanswerable'}.jsonl",
                            [{"id": r["id"], "question": r["question"], "answers": r["answers"] if answerable else [],
                              "doc_id": r["context_id"]} for r in chosen])


def shown_dev_questions(form: str, *, limit: int | None) -> Path:
    """The dev questions as users also type them: without diacritics ("Ai chủ trì" -> "Ai chu
    tri") or in English (bench/english_forms.py: English word order, known words glossed, the
    rest as written; a machine's English, not a translator's)."""
    from qa.ingest.text import fold_accents

    from english_forms import in_english, in_english_bare

    shown, lang = {"no-diacritics": (fold_accents, "vi-nodiac"), "english": (in_english, "en"),
                   "english-bare": (in_english_bare, "en-bare")}[form]
    chosen = [r for r in read_rows(GOLD) if r["split"] == "dev"][:limit]
    return _write_questions(SCRATCH / f"dev-{form}.jsonl",
                            [{"id": r["id"], "question": shown(r["question"]), "answers": r["answers"],
                              "doc_id": r["context_id"], "lang": lang} for r in chosen])


def written_english_questions(*, limit: int | None) -> Path:
    """Dev questions put in plain English by a person (``WRITTEN_ENGLISH``: 45 drawn with a fixed
    seed), with their gold answers: unlike ``in_english``, whose unknown words stay Vietnamese,
    only their names are the articles' own words."""
    from english_forms import written_in_english

    written = written_in_english(WRITTEN_ENGLISH, (r for r in read_rows(GOLD) if r["split"] == "dev"))[:limit]
    return _write_questions(SCRATCH / "dev-english-written.jsonl",
                            [{"id": row["id"], "question": english, "answers": row["answers"], "doc_id": row["context_id"],
                              "lang": "en"} for english, row in written])


def news_corpus(asked: list[dict], articles: dict[str, dict], seed: int) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The texts to index (the questions' articles less the sentence of each removed twin, and
    ``ROLE_DISTRACTORS`` others), and the sentences taken out of each article."""
    gone: dict[str, set[str]] = {}
    for row in asked:
        if not row["answers"]:
            gone.setdefault(row["context_id"], set()).add(row["evidence"])
    texts = {}
    for article_id in {r["context_id"] for r in asked}:
        texts[article_id] = articles[article_id]["text"]
        for sentence in gone.get(article_id, ()):
            texts[article_id] = texts[article_id].replace(sentence, "", 1)
    others = sorted(set(articles) - set(texts))
    return texts | {a: articles[a]["text"] for a in random.Random(seed).sample(others, ROLE_DISTRACTORS)}, gone


def twin_labels(asked: list[dict], gone: dict[str, set[str]], *, unanswered) -> list[dict]:
    """The questions with answers, labelled: answerable where their sentence stays, unanswerable
    where it was taken out (``news_corpus``'s ``gone``) and ``unanswered(row)`` holds (nothing
    else in the corpus answers it); the rest are left out, whether they answer being unclear."""
    labelled = []
    for row in (r for r in asked if r["answers"]):
        taken = row["evidence"] in gone.get(row["context_id"], ())
        if not taken or unanswered(row):
            labelled.append({**row, "answers": [] if taken else row["answers"]})
    return labelled


def role_set() -> tuple[list[dict], list[dict]]:
    """The who-questions set: its corpus, and its questions in four forms each."""
    from role_questions import CHECK_QUESTIONS, role_questions
    from train_reader import SEED

    asked = role_questions(DATA / "dantri-articles.jsonl.gz", source="dantri", limit=CHECK_QUESTIONS, seed=SEED, part="all")
    articles = {a["id"]: a for a in read_rows(DATA / "dantri-articles.jsonl.gz")}
    texts, gone = news_corpus(asked, articles, SEED)
    everything = " ".join(texts.values()).lower()
    unheard = lambda row: row["topic"].lower() not in everything and row["answers"][0].lower() not in everything  # noqa: E731
    questions = twin_labels(asked, gone, unanswered=unheard)  # else: named or asked about elsewhere
    for row in role_questions(DATA / "vntc-articles.jsonl.gz", source="vntc", limit=CHECK_QUESTIONS, seed=SEED, part="held-out"):
        if row["answers"] and unheard(row):
            questions.append({**row, "answers": []})
    corpus = [{**articles[a], "text": text} for a, text in sorted(texts.items())]
    return corpus, _in_forms(questions, lambda row: "who")


def _in_forms(questions: list[dict], kind) -> list[dict]:
    """Each news question as written, without diacritics, code-switched into English and in
    English word order (as written and typed bare), in the gold format; ``kind``: its type."""
    from english_forms import code_switched, in_english, in_english_bare

    from qa.ingest.text import fold_accents

    forms = (("vi", lambda q: q, ""), ("vi-nodiac", fold_accents, "-nodiac"), ("en-mixed", code_switched, "-en"),
             ("en", in_english, "-english"), ("en-bare", in_english_bare, "-english-bare"))
    return [{"id": r["id"] + suffix, "question": shown(r["question"]), "answers": r["answers"], "type": kind(r),
             "lang": lang, "doc_id": r["context_id"], "evidence": r["evidence"] if r["answers"] else None}
            for r in questions for lang, shown, suffix in forms]


def event_set() -> tuple[list[dict], list[dict]]:
    """The when- and where-questions set: bench/event_questions.py's questions from Dân trí
    (never trained on), asked of an index of their articles (less the sentences of the removed
    twins, which must go unanswered) and ``ROLE_DISTRACTORS`` others; in the five forms. A removed
    twin whose answer the article still writes elsewhere is left out: 33 of the 122 were, and
    counted as unanswerable they marked a right answer ("21 tàu" for "… tổng cộng bao nhiêu
    tàu …", said twice) as a failure to abstain."""
    from event_questions import event_questions, still_said
    from role_questions import CHECK_QUESTIONS
    from train_reader import SEED

    asked = event_questions(DATA / "dantri-articles.jsonl.gz", source="dantri", limit=CHECK_QUESTIONS, seed=SEED, part="all")
    articles = {a["id"]: a for a in read_rows(DATA / "dantri-articles.jsonl.gz")}
    texts, gone = news_corpus(asked, articles, SEED)
    questions = twin_labels(asked, gone, unanswered=lambda row: not still_said(row, texts[row["context_id"]]))
    corpus = [{**articles[a], "text": text} for a, text in sorted(texts.items())]
    return corpus, _in_forms(questions, lambda row: row["kind"])


def write_corpus(name: str, corpus: list[dict]) -> Path:
    """``corpus`` as a gzipped JSON Lines file named for its index, for ``qa index build``."""
    target = SCRATCH / f"{name}.jsonl.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for article in corpus:
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    return target


def _write_questions(target: Path, questions: list[dict]) -> Path:
    """A gold file in the project's JSON Lines format, for ``qa eval``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for question in questions:
            out.write(json.dumps(question, ensure_ascii=False) + "\n")
    return target


def run(label: str, gold: Path, *, index: str, reader: str, rerank: bool, split: str | None, limit: int | None,
        out: Path) -> dict:
    started = time.perf_counter()
    report = evaluate(gold, index=index, split=split, limit=limit, reader=reader, rerank=rerank, show_progress=True,
                      log=lambda message: print(message, file=sys.stderr))
    write_report(report, out / label)
    overall = report.to_dict()["runs"][0]["overall"]
    results = report.runs[0].results
    overall["abstained_share"] = round(sum(r.abstained for r in results) / max(1, len(results)), 4)
    overall["seconds"] = round(time.perf_counter() - started, 1)
    return overall


def _confidences(folder: Path) -> list[float] | None:
    path = folder / "questions.jsonl"
    if not path.is_file():
        return None
    return [json.loads(line)["confidence"] for line in path.read_text(encoding="utf-8").splitlines()]


def separation(out: Path, reader: str) -> dict[str, float]:
    """How well the confidence ranks the answerable removed-article questions (full index) above
    the ones that must abstain: the chance that an answerable one scores higher (ROC AUC). Unlike
    abstention recall it does not depend on where the threshold sits."""
    answerable = _confidences(out / reader / "removed-answerable")
    found = {}
    for name in ("removed-unanswerable", "cut-unanswerable", "changed-unanswerable"):
        unanswerable = _confidences(out / reader / name)
        if answerable and unanswerable:
            found[f"{reader} {name}"] = round(ranking_auc(answerable, unanswerable), 3)
    return found


def table(summary: dict[str, dict]) -> str:
    """The README's table, one row per run."""
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}"  # noqa: E731
    lines = ["| run | questions | article R@1 | EM | F1 | short answer holds gold | abstained | abstention P / R | p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, o in summary.items():
        lines.append(f"| {name} | {o['questions']:,} | {pct(o['recall'].get('1'))} | {pct(o['exact_match'])} | {pct(o['f1'])} "
                     f"| {pct(o['contains'])} | {pct(o['abstained_share'])} | {pct(o['abstain_precision'])} / {pct(o['abstain_recall'])} "
                     f"| {o['latency_p50_ms']:.0f} / {o['latency_p95_ms']:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", action="append", help="default: neural and rules")
    parser.add_argument("--limit", type=int, help="only the first N questions of each set (a smoke run)")
    parser.add_argument("--set", action="append", choices=SETS, help="default: every set")
    parser.add_argument("--out", type=Path, default=RESULTS,
                        help="results folder (default bench/results/eval_reader); its table is written beside it as <folder>.md")
    parser.add_argument("--write-minus", action="store_true", help="write the gold-removed corpus and stop")
    parser.add_argument("--write-cut", action="store_true", help="write the answer-cut corpus and stop")
    parser.add_argument("--write-roles", action="store_true", help="write the who-questions corpus and stop")
    parser.add_argument("--write-events", action="store_true", help="write the when- and where-questions corpus and stop")
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.write_minus:
        print(write_minus_corpus())
        return 0
    if args.write_cut:
        print(write_cut_corpus())
        return 0
    if args.write_roles or args.write_events:
        name, news_set = ("dantri-roles", role_set) if args.write_roles else ("dantri-events", event_set)
        print(write_corpus(name, news_set()[0]))
        return 0
    measure = functools.partial(run, out=args.out)
    summary_file = args.out / "summary.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.is_file() else {}
    chosen = set(args.set or SETS)
    for reader in args.reader or ["neural", "rules"]:
        if "dev+rerank" in chosen and reader == "neural":
            summary[f"{reader}+rerank dev"] = measure(f"{reader}+rerank/dev", GOLD, index="vinewsqa", reader=reader, rerank=True,
                                                 split="dev", limit=args.limit)
        # The other sets run the reader as ask() does by default (no reranking).
        if "dev" in chosen:
            summary[f"{reader} dev"] = measure(f"{reader}/dev", GOLD, index="vinewsqa", reader=reader, rerank=False, split="dev",
                                           limit=args.limit)
        if "removed" in chosen:
            summary[f"{reader} removed, must abstain"] = measure(f"{reader}/removed-unanswerable", removed_questions(answerable=False, limit=args.limit),
                                                           index="vinewsqa-minus", reader=reader, rerank=False, split=None, limit=None)
            summary[f"{reader} removed, full index"] = measure(f"{reader}/removed-answerable", removed_questions(answerable=True, limit=args.limit),
                                                         index="vinewsqa", reader=reader, rerank=False, split=None, limit=None)
        if "cut" in chosen:
            summary[f"{reader} answer cut, must abstain"] = measure(f"{reader}/cut-unanswerable", cut_questions(limit=args.limit),
                                                              index="vinewsqa-cut", reader=reader, rerank=False, split=None, limit=None)
        if "changed" in chosen:
            summary[f"{reader} a specific changed, must abstain"] = measure(
                f"{reader}/changed-unanswerable", changed_questions(limit=args.limit), index="vinewsqa", reader=reader,
                rerank=False, split=None, limit=None)
        if "no-diacritics" in chosen:
            summary[f"{reader} dev, no diacritics"] = measure(f"{reader}/dev-no-diacritics",
                                                        shown_dev_questions("no-diacritics", limit=args.limit),
                                                        index="vinewsqa", reader=reader, rerank=False, split=None, limit=None)
        if "english" in chosen:
            summary[f"{reader} dev, in English"] = measure(f"{reader}/dev-english", shown_dev_questions("english", limit=args.limit),
                                                     index="vinewsqa", reader=reader, rerank=False, split=None, limit=None)
        if "english-bare" in chosen:
            summary[f"{reader} dev, in English typed bare"] = measure(f"{reader}/dev-english-bare",
                                                                shown_dev_questions("english-bare", limit=args.limit),
                                                                index="vinewsqa", reader=reader, rerank=False, split=None,
                                                                limit=None)
        if "english-written" in chosen:
            summary[f"{reader} dev, written in English"] = measure(f"{reader}/dev-english-written",
                                                             written_english_questions(limit=args.limit), index="vinewsqa",
                                                             reader=reader, rerank=False, split=None, limit=None)
        if "gold" in chosen:
            summary[f"{reader} gold test"] = measure(f"{reader}/gold-test", Path("qa") / "data" / "gold_sample.jsonl", index="sample",
                                               reader=reader, rerank=False, split="test", limit=None)
        if "roles" in chosen:
            summary[f"{reader} who-questions"] = measure(f"{reader}/roles", _write_questions(SCRATCH / "roles.jsonl", role_set()[1]),
                                                    index="dantri-roles", reader=reader, rerank=False, split=None, limit=args.limit)
        if "events" in chosen:
            summary[f"{reader} when- and where-questions"] = measure(
                f"{reader}/events", _write_questions(SCRATCH / "events.jsonl", event_set()[1]), index="dantri-events",
                reader=reader, rerank=False, split=None, limit=args.limit)
    text = f"Measured with {os.environ.get('OMP_NUM_THREADS', 'default')} threads by bench/eval_reader.py.\n\n" + table(summary)
    ranked = {k: v for reader in args.reader or ["neural", "rules"] for k, v in separation(args.out, reader).items()}
    if ranked:
        text += ("\nConfidence of the answerable removed-article questions (full index) above the unanswerable ones "
                 "(ROC AUC): " + ", ".join(f"{k} {v:.3f}" for k, v in ranked.items()) + "\n")
    args.out.mkdir(parents=True, exist_ok=True)
    summary_file.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
