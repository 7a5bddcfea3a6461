"""How much weight the dense side should get when English questions are fused with BM25.

English questions were once fused with 0.8 on the dense side (BM25 found little in them but
names and numbers). Since their roles, events and places are searched in Vietnamese
(qa/answer/english_terms.py), BM25 finds more. Measured on the ViNewsQA ``train_subset2000``
questions (never on ``dev``), put in English by bench/english_forms.py in three ways:

- ``english``: English word order, known words glossed, the rest as written;
- ``english-bare``: the same typed without diacritics ("Where Hai be was dinh nhau?");
- ``english-names-only``: the same without the lowercase words still in Vietnamese, closer to a
  translator's English where only names stay Vietnamese.

Each is searched over the 900-article index with several dense weights; article R@1 / R@5.

    .venv/bin/python bench/english_fusion.py

Writes bench/results/english_fusion.json.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from english_forms import in_english, in_english_bare  # noqa: E402

from qa.assistant import Assistant  # noqa: E402
from qa.index.retrieve import Retriever  # noqa: E402
from qa.index.store import write_json  # noqa: E402
from qa.ingest.text import has_diacritics  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT.parent / "shared" / "data" / "vinewsqa-dev" / "qa.jsonl.gz"
WEIGHTS = (0.2, 0.3, 0.5, 0.65, 0.8)


def names_only(question: str) -> str:
    english = in_english(question)
    return " ".join(w for w in english.split() if not (has_diacritics(w) and not w[:1].isupper()))


FORMS = {"english": in_english, "english-bare": in_english_bare, "english-names-only": names_only}


def recall(found, rows, k: int) -> float:
    return round(100 * float(np.mean([r["context_id"] in {p.article.id for p in f[:k]} for f, r in zip(found, rows)])), 1)


def main() -> int:
    with gzip.open(QUESTIONS, "rt", encoding="utf-8") as lines:
        rows = [r for r in map(json.loads, lines) if r["split"] == "train_subset2000"]
    pipeline = Assistant.open("vinewsqa").pipeline
    results = {}
    for form, shown in FORMS.items():
        questions = [re.sub(r"\s+", " ", shown(r["question"])).strip() for r in rows]
        vectors = pipeline.embedder.embed(questions, kind="query")
        for weight in WEIGHTS:
            retriever = Retriever(pipeline.index, pipeline.embedder, settings=replace(pipeline.retrieval, dense_weight=weight))
            found = retriever.search_batch(questions, k=5, vectors=vectors)
            results[f"{form}, dense {weight}"] = {"R@1": recall(found, rows, 1), "R@5": recall(found, rows, 5)}
            print(form, weight, results[f"{form}, dense {weight}"], flush=True)
    write_json(ROOT / "bench" / "results" / "english_fusion.json",
               {"questions": len(rows), "split": "train_subset2000", "index": "vinewsqa (900 articles)", "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
