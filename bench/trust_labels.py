"""The trust labels ("answered", "unsure", "not_found") measured on questions no part of them
was fitted on, against the issue's bar: answers labelled "answered" are right at least 90 % of
the time.

Sets (bench/calibrate.py fits on none of them):
- ViNewsQA ``dev`` on the 900-article index ``vinewsqa`` (all answerable);
- the dev questions of the half of the dev articles removed from ``vinewsqa-minus``, asked of
  that index (none answerable there: each must be "not_found");
- the gold set's ``test`` split on the sample corpus, whole and by language (Vietnamese,
  without diacritics, English).

For each set: the share of answers per label and how often each label was right (an
"answered" or "unsure" answer is right as bench/calibrate.py's ``is_right`` says, a
"not_found" one when the question is unanswerable there), the precision of "answered" with
its 95 % Wilson interval, and the share of unanswerable questions labelled "answered".
The indexes are those of bench/eval_reader.py (not rebuilt here).

    OMP_NUM_THREADS=2 nice -n 15 .venv/bin/python bench/trust_labels.py [--reader neural --reader rules] [--limit N]

Writes bench/results/trust_labels.json and bench/results/trust_labels.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibrate import is_right  # noqa: E402
from eval_reader import GOLD, removed_questions  # noqa: E402

from qa.answer.types import TRUST_LABELS, Answer  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.eval.gold import GoldQuestion, bundled_gold_path, load_gold  # noqa: E402
from qa.index.store import write_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
Z95 = 1.959964


def wilson(successes: int, trials: int) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of a proportion (sound at 0 % or 100 %, unlike the normal one)."""
    if trials == 0:
        return None
    p, z2 = successes / trials, Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def judged(answer: Answer, gold: GoldQuestion) -> bool:
    """Whether the answer's label was borne out: a right short answer, or "not_found" where nothing answers."""
    if answer.trust == "not_found":
        return not gold.answerable
    return gold.answerable and is_right(answer.text, list(gold.answers))


def summarise(pairs: Sequence[tuple[GoldQuestion, Answer]]) -> dict:
    total = len(pairs)
    labels = {}
    for label in TRUST_LABELS:
        chosen = [(g, a) for g, a in pairs if a.trust == label]
        right = sum(judged(a, g) for g, a in chosen)
        labels[label] = {"questions": len(chosen), "share": round(len(chosen) / max(1, total), 4),
                         "right": right, "right_share": round(right / len(chosen), 4) if chosen else None}
    answered = labels["answered"]
    unanswerable = [a for g, a in pairs if not g.answerable]
    return {
        "questions": total, "unanswerable": len(unanswerable), "labels": labels,
        "answered_precision": answered["right_share"], "answered_precision_ci95": wilson(answered["right"], answered["questions"]),
        "unanswerable_answered_share": round(sum(a.trust == "answered" for a in unanswerable) / len(unanswerable), 4)
        if unanswerable else None,
    }


def ask_all(assistant: Assistant, questions: Sequence[GoldQuestion]) -> list[tuple[GoldQuestion, Answer]]:
    """One ``ask()`` per question, as a user asks: int8 quantises activations per batch, so a
    question asked in a batch can land on the other side of a threshold."""
    return [(g, assistant.ask(g.question, k=5)) for g in questions]


def held_out_sets(limit: int | None) -> list[tuple[str, str, list[GoldQuestion]]]:
    """(name, index, questions) of every held-out set."""
    dev = [g for g in load_gold(GOLD) if g.split == "dev"][:limit]
    removed = load_gold(removed_questions(answerable=False, limit=limit))
    gold = [g for g in load_gold(bundled_gold_path()) if g.split == "test"]
    return [("vinewsqa dev", "vinewsqa", dev), ("vinewsqa dev, article removed (must be not_found)", "vinewsqa-minus", removed),
            ("gold test", "sample", gold)]


def measure(reader: str, limit: int | None) -> dict[str, dict]:
    results, pooled = {}, []
    for name, index, questions in held_out_sets(limit):
        started = time.perf_counter()
        pairs = ask_all(Assistant.open(index, reader=reader), questions)
        results[name] = {**summarise(pairs), "index": index, "seconds": round(time.perf_counter() - started, 1)}
        print(f"{reader} {name}: {results[name]['labels']}", file=sys.stderr)
        if name == "gold test":
            for lang in ("vi", "vi-nodiac", "en"):
                results[f"gold test, {lang}"] = {**summarise([(g, a) for g, a in pairs if g.lang == lang]), "index": index}
        pooled += pairs
    results["all held-out sets pooled"] = summarise(pooled)
    return results


def table(readers: dict[str, dict[str, dict]]) -> str:
    pct = lambda v: "–" if v is None else f"{100 * v:.1f}"  # noqa: E731
    lines = ["| reader | set | questions | answered: share / right | unsure: share / right | not found: share / right "
             "| \"answered\" precision (95 % CI) | unanswerable labelled \"answered\" |",
             "|---|---|---|---|---|---|---|---|"]
    for reader, sets in readers.items():
        for name, s in sets.items():
            cells = [f"{pct(s['labels'][label]['share'])} / {pct(s['labels'][label]['right_share'])}" for label in TRUST_LABELS]
            ci = s["answered_precision_ci95"]
            interval = f" ({pct(ci[0])}–{pct(ci[1])})" if ci else ""
            lines.append(f"| {reader} | {name} | {s['questions']:,} | {' | '.join(cells)} "
                         f"| {pct(s['answered_precision'])}{interval} | {pct(s['unanswerable_answered_share'])} |")
    return "\n".join(lines) + "\n"


def earlier_readers(limit: int | None) -> dict:
    """The readers of the last full run, so that re-measuring one reader keeps the others' rows."""
    path = RESULTS / "trust_labels.json"
    if limit or not path.is_file():
        return {}
    earlier = json.loads(path.read_text(encoding="utf-8"))
    return earlier["readers"] if earlier.get("limit") is None else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", action="append", help="default: neural and rules")
    parser.add_argument("--limit", type=int, help="only the first N questions of each ViNewsQA set (a smoke run)")
    args = parser.parse_args()
    os.chdir(ROOT)
    measured = {reader: measure(reader, args.limit) for reader in args.reader or ["neural", "rules"]}
    readers = {**earlier_readers(args.limit), **measured}
    write_json(RESULTS / "trust_labels.json", {"threads": os.environ.get("OMP_NUM_THREADS"), "limit": args.limit,
                                                "readers": readers})
    text = (f"Measured by bench/trust_labels.py with {os.environ.get('OMP_NUM_THREADS', 'default')} threads"
            f"{f', first {args.limit} questions of each ViNewsQA set' if args.limit else ''}. Shares and right shares in %; "
            "\"right\" for a not-found answer means the question was unanswerable there.\n\n" + table(readers))
    (RESULTS / "trust_labels.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
