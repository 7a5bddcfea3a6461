"""The measures ``qa eval`` reports, as plain functions so they can be checked by hand.

Answer matching uses the project's Vietnamese key (NFC, lower case, one tone-mark
convention, punctuation dropped, see ``text.match_tokens``). Unlike SQuAD's script, English
articles ("a", "an", "the") are not stripped: a Vietnamese answer has none, and in an English
one they are part of what was copied.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from qa.ingest.text import match_tokens


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the prediction equals some gold answer after normalisation."""
    tokens = match_tokens(prediction)
    return float(any(tokens == match_tokens(answer) for answer in answers))


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """The best token-overlap F1 against any gold answer (SQuAD's definition, our tokens)."""
    return max((_f1(match_tokens(prediction), match_tokens(answer)) for answer in answers), default=0.0)


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def first_rank(items: Iterable[object], wanted: object) -> int | None:
    """1-based rank of the first item equal to ``wanted``, None when absent."""
    for rank, item in enumerate(items, start=1):
        if item == wanted:
            return rank
    return None


def distinct(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats: passages ranked become articles ranked."""
    return list(dict.fromkeys(items))


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose relevant item is within the first ``k``."""
    return float(np.mean([r is not None and r <= k for r in ranks])) if ranks else float("nan")


def mrr_at(ranks: Sequence[int | None], k: int = 10) -> float:
    return float(np.mean([1.0 / r if r is not None and r <= k else 0.0 for r in ranks])) if ranks else float("nan")


def ndcg_at(ranks: Sequence[int | None], k: int = 10) -> float:
    """Binary-relevance nDCG with one relevant item per question: 1 / log2(rank + 1)."""
    gains = [1.0 / math.log2(r + 1) if r is not None and r <= k else 0.0 for r in ranks]
    return float(np.mean(gains)) if ranks else float("nan")


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall of a yes/no decision (NaN where undefined: nothing predicted, nothing to find)."""
    hits = sum(p and a for p, a in zip(predicted, actual, strict=True))
    said, real = sum(predicted), sum(actual)
    return (hits / said if said else float("nan"), hits / real if real else float("nan"))


def ranking_auc(higher: Sequence[float], lower: Sequence[float]) -> float:
    """The chance that a score of ``higher`` beats one of ``lower``, ties counting half (ROC
    AUC): how well a confidence tells answerable questions from unanswerable ones wherever its
    threshold sits."""
    a, b = np.asarray(higher, dtype=float)[:, None], np.asarray(lower, dtype=float)[None, :]
    return float(np.mean(a > b) + 0.5 * np.mean(a == b))


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def latency_summary(milliseconds: Sequence[float]) -> dict[str, float]:
    """Median and p95, the two figures every latency table of this project quotes."""
    return {"median_ms": round(percentile(milliseconds, 50), 2), "p95_ms": round(percentile(milliseconds, 95), 2)}
