"""The project's own gold questions and the checks that score an answer against them.

Matching is Vietnamese-aware: NFC, lower case, one tone-mark convention, punctuation ignored,
so "hoà"/"hòa" or a trailing full stop never decide a match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .answer import Answer
from .errors import InputError
from .text import match_tokens


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    doc_id: str | None
    evidence: str | None
    type: str
    lang: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_gold(path: str | Path | None = None) -> list[GoldQuestion]:
    """Read a gold file in the project's JSON Lines format (the bundled one by default)."""
    source = Path(path) if path else Path(str(resources.files("qa") / "data" / "gold_sample.jsonl"))
    questions = []
    for line_no, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            questions.append(GoldQuestion(
                id=str(record.get("id", line_no)), question=record["question"], answers=tuple(record.get("answers") or ()),
                doc_id=record.get("doc_id"), evidence=record.get("evidence"), type=record.get("type", "other"),
                lang=record.get("lang", "vi"),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{source}:{line_no}", f"not a gold question ({exc})") from None
    return questions


def normalised(text: str) -> str:
    return " ".join(match_tokens(text))


def contains_any(haystack: str, needles: tuple[str, ...]) -> bool:
    key = f" {normalised(haystack)} "
    return any(f" {normalised(n)} " in key for n in needles if normalised(n))


@dataclass(frozen=True)
class Judgement:
    """How one answer fares against its gold question."""

    correct: bool  # answered, and the short answer contains a gold answer
    supported: bool  # answered, and the supporting sentence contains a gold answer
    cited: bool  # the first citation is the gold article
    abstained_rightly: bool  # unanswerable, and the assistant abstained


def judge(gold: GoldQuestion, answer: Answer) -> Judgement:
    answered = not answer.abstained
    first_doc = answer.citations[0].doc_id if answer.citations else None
    return Judgement(
        correct=answered and gold.answerable and contains_any(answer.text, gold.answers),
        supported=answered and gold.answerable and contains_any(answer.sentence, gold.answers),
        cited=gold.answerable and first_doc == gold.doc_id,
        abstained_rightly=not gold.answerable and answer.abstained,
    )
