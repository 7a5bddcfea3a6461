"""Gold question sets in the formats people bring, and the checks that score an answer.

Four formats are read: the project's JSON Lines (``question``, ``answers`` — empty means
unanswerable —, optional ``doc_id``, ``evidence``, ``type``, ``lang``); SQuAD-style JSON Lines
(each line carries its ``context`` and ``context_id``, as UIT-ViNewsQA ships); SQuAD v1/v2
JSON files; and readers' ratings saved by the page (``qa.eval.feedback``). SQuAD contexts become articles, so a set can be evaluated on its own passages.

Matching is Vietnamese-aware: NFC, lower case, one tone-mark convention, punctuation ignored,
so "hoà"/"hòa" or a trailing full stop never decide a match.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from qa.answer.types import Answer
from qa.ingest.corpus import Article, make_article
from qa.errors import InputError
from qa.eval.feedback import gold_record, is_feedback, latest_ratings
from qa.answer.question import analyse
from qa.ingest.text import match_tokens


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    doc_id: str | None
    evidence: str | None
    type: str
    lang: str
    split: str | None = None  # e.g. "dev" or "train" where a set ships several

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class GoldSet:
    """The questions of one file, and the articles its SQuAD contexts make (none otherwise)."""

    path: str
    format: str  # "project", "squad-jsonl", "squad-json" or "feedback"
    questions: tuple[GoldQuestion, ...]
    contexts: tuple[Article, ...]


def bundled_gold_path() -> Path:
    return Path(str(resources.files("qa") / "data" / "gold_sample.jsonl"))


def load_gold(path: str | Path | None = None) -> list[GoldQuestion]:
    """The questions of a gold file (the bundled one by default)."""
    return list(load_gold_set(path or bundled_gold_path()).questions)


def load_gold_set(path: str | Path) -> GoldSet:
    """Read any supported gold file; a bad line or field is an ``InputError`` naming it."""
    source = Path(path)
    if not source.is_file():
        raise InputError(str(source), "no such gold file")
    if source.name.endswith((".json", ".json.gz")):
        return _squad_json(source)
    return _json_lines(source)


# --- JSON Lines: the project's format and SQuAD-style lines ------------------------------


def _json_lines(source: Path) -> GoldSet:
    records = list(_records(source))
    if records and is_feedback(records[0][1]):
        return _feedback_set(source, records)
    questions: list[GoldQuestion] = []
    contexts: dict[str, Article] = {}
    squad_lines = 0
    for line_no, record in records:
        location = f"{source}:{line_no}"
        try:
            if "context" in record:
                squad_lines += 1
                doc_id = _context_article(record, contexts, location=location)
                questions.append(_question(record, line_no, doc_id=doc_id))
            else:
                questions.append(_question(record, line_no, doc_id=_optional_str(record, "doc_id")))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(location, f"not a gold question ({_reason(exc)})") from None
    if not questions:
        raise InputError(str(source), "holds no questions")
    _check_unique_ids(questions, source)
    return GoldSet(str(source), "squad-jsonl" if squad_lines else "project", tuple(questions), tuple(contexts.values()))


def _feedback_set(source: Path, records: list[tuple[int, dict]]) -> GoldSet:
    """Readers' 👍 answers as gold questions (``qa.eval.feedback``); 👎 ones need a person first."""
    rated = latest_ratings((f"{source}:{line_no}", record) for line_no, record in records)
    questions = []
    for location, record in rated:
        gold = gold_record(record)
        if gold is None:
            continue
        try:
            questions.append(_question(gold, int(location.rsplit(":", 1)[1]), doc_id=gold["doc_id"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(location, f"not a feedback record ({_reason(exc)})") from None
    if not questions:
        raise InputError(str(source), f"holds no approved (👍) answers among {len(rated)} ratings")
    return GoldSet(str(source), "feedback", tuple(questions), ())


def _records(source: Path) -> Iterator[tuple[int, dict]]:
    try:
        with _open_text(source) as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise InputError(f"{source}:{line_no}", f"not valid JSON ({exc.args[0]})") from None
                if not isinstance(record, dict):
                    raise InputError(f"{source}:{line_no}", "each line must be a JSON object")
                yield line_no, record
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, OSError) as exc:
        raise InputError(str(source), f"cannot be read as UTF-8 JSON Lines ({exc})") from None


def _open_text(source: Path):
    if source.name.endswith(".gz"):
        return gzip.open(source, "rt", encoding="utf-8")
    return source.open(encoding="utf-8")


def _question(record: dict, line_no: int, *, doc_id: str | None) -> GoldQuestion:
    """One question; type and language come from the question itself when not given."""
    text = record["question"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'question' must be a non-empty string")
    analysed = analyse(text)
    inferred_lang = "en" if analysed.language == "en" else ("vi" if analysed.diacritics else "vi-nodiac")
    return GoldQuestion(
        id=str(record.get("id", line_no)),
        question=text,
        answers=_answers(record),
        doc_id=doc_id,
        evidence=_optional_str(record, "evidence"),
        type=str(record.get("type") or analysed.kind),
        lang=str(record.get("lang") or inferred_lang),
        split=_optional_str(record, "split"),
    )


def _answers(record: dict) -> tuple[str, ...]:
    """Answers as strings; SQuAD's ``[{"text": …}]`` and ``{"text": [...]}`` shapes are accepted.

    SQuAD v2's ``is_impossible`` makes a question unanswerable whatever its plausible answers.
    """
    if record.get("is_impossible"):
        return ()
    raw = record.get("answers") or ()
    if isinstance(raw, dict):
        raw = raw.get("text") or ()
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        raise TypeError("'answers' must be a list")
    answers = [item["text"] if isinstance(item, dict) else item for item in raw]
    if not all(isinstance(a, str) for a in answers):
        raise TypeError("every answer must be a string")
    return tuple(dict.fromkeys(a for a in answers if a.strip()))


def _optional_str(record: dict, field: str) -> str | None:
    value = record.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)):
        raise TypeError(f"'{field}' must be a string")
    return str(value)


def _context_article(record: dict, contexts: dict[str, Article], *, location: str) -> str:
    """The id of the article this line's context makes, made once per distinct context."""
    text = record["context"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'context' must be a non-empty string")
    doc_id = _optional_str(record, "context_id") or "ctx-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    if doc_id not in contexts:
        contexts[doc_id] = make_article(id=doc_id, text=text, title=str(record.get("title") or ""),
                                        source="gold", origin=location)
    return doc_id


def _check_unique_ids(questions: list[GoldQuestion], source: Path) -> None:
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise InputError(str(source), f"question id {question.id!r} appears twice")
        seen.add(question.id)


def _reason(exc: Exception) -> str:
    return f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else str(exc)


# --- SQuAD v1/v2 JSON files --------------------------------------------------------------


def _squad_json(source: Path) -> GoldSet:
    try:
        with _open_text(source) as handle:
            document = json.load(handle)
    except (ValueError, EOFError, OSError) as exc:
        raise InputError(str(source), f"not a SQuAD JSON file ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise InputError(str(source), "not a SQuAD JSON file (no 'data' list)")
    questions: list[GoldQuestion] = []
    contexts: dict[str, Article] = {}
    for a, entry in enumerate(document["data"]):
        for p, paragraph in enumerate(entry.get("paragraphs") or ()):
            location = f"{source}: data[{a}].paragraphs[{p}]"
            try:
                record = {"context": paragraph["context"], "context_id": f"{a}-{p}", "title": entry.get("title")}
                doc_id = _context_article(record, contexts, location=location)
                questions += [_question(qa, len(questions) + 1, doc_id=doc_id) for qa in paragraph["qas"]]
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(location, f"not a SQuAD paragraph ({_reason(exc)})") from None
    if not questions:
        raise InputError(str(source), "holds no questions")
    _check_unique_ids(questions, source)
    return GoldSet(str(source), "squad-json", tuple(questions), tuple(contexts.values()))


# --- judging ------------------------------------------------------------------------------


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
