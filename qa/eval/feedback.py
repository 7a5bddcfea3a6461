"""Readers' 👍/👎 on answers: one JSON Lines file per collection, and the gold questions they make.

A record is appended for every rating and every note added to it later, so the file is only
ever appended to (a crash can cost the last line, never an earlier one); records of one rating
share an ``id`` and the last one counts. The format (``"format": "qa-feedback"``, version 1):

    {"format": "qa-feedback", "version": 1, "id": "…", "time": "2026-12-03T10:00:00+00:00",
     "collection": "sample", "question": "as typed", "asked": "as answered (follow-ups rewritten)",
     "answer": "…", "sentence": "…", "abstained": false, "trust": "answered", "confidence": 0.81,
     "doc_id": "…", "rating": "up" | "down", "note": "…"}

``qa eval FEEDBACK.jsonl --index COLLECTION`` scores the assistant on them: a 👍 answer becomes
a gold question whose answer is the one the reader approved (a 👍 on "not found" becomes an
unanswerable one); a 👎 says only what is wrong, not what is right, so it is left for a person
to turn into a gold question (its note says why) and is counted as skipped.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from qa.errors import InputError

FORMAT = "qa-feedback"
VERSION = 1
RATINGS = ("up", "down")
MAX_NOTE_CHARS = 2000
MAX_TEXT_CHARS = 4000  # a question, an answer or a sentence; longer is not from the page

_APPEND_LOCK = threading.Lock()


@dataclass(frozen=True)
class Feedback:
    id: str
    time: str
    collection: str
    question: str
    asked: str
    answer: str
    sentence: str
    abstained: bool
    trust: str
    confidence: float
    doc_id: str | None
    rating: str
    note: str = ""

    def to_json(self) -> dict:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}


def new_feedback(fields: Mapping[str, object], *, collection: str, rating: str, note: str = "",
                 feedback_id: str | None = None) -> Feedback:
    """A record from what the page sends; every field is checked, since a browser can send anything."""
    if rating not in RATINGS:
        raise InputError("feedback", f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
    return Feedback(
        id=feedback_id or uuid.uuid4().hex,
        time=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        collection=collection,
        question=_text(fields, "question"),
        asked=_text(fields, "asked"),
        answer=_text(fields, "answer", required=False),
        sentence=_text(fields, "sentence", required=False),
        abstained=bool(fields.get("abstained")),
        trust=_text(fields, "trust", required=False),
        confidence=_confidence(fields.get("confidence")),
        doc_id=_text(fields, "doc_id", required=False) or None,
        rating=rating,
        note=str(note or "")[:MAX_NOTE_CHARS].strip(),
    )


def _text(fields: Mapping[str, object], key: str, *, required: bool = True) -> str:
    value = fields.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT_CHARS:
        raise InputError("feedback", f"field {key!r} must be a string of at most {MAX_TEXT_CHARS} characters")
    return value


def _confidence(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return min(max(number, 0.0), 1.0)


def append_feedback(path: Path, record: Feedback) -> None:
    """One line per call, written whole: concurrent raters never interleave their lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record.to_json(), ensure_ascii=False) + "\n"
    with _APPEND_LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def is_feedback(record: Mapping[str, object]) -> bool:
    return record.get("format") == FORMAT


def latest_ratings(records: Iterable[tuple[str, Mapping[str, object]]]) -> list[tuple[str, Mapping[str, object]]]:
    """The last record of each rating id, in the order the ratings were first made."""
    latest: dict[str, tuple[str, Mapping[str, object]]] = {}
    for location, record in records:
        if record.get("version") != VERSION:
            raise InputError(location, f"feedback version {record.get('version')!r}; this version reads {VERSION}")
        if record.get("rating") not in RATINGS:
            raise InputError(location, f"'rating' must be one of {', '.join(RATINGS)}")
        latest[str(record.get("id"))] = (location, record)
    return list(latest.values())


def gold_record(record: Mapping[str, object]) -> dict | None:
    """The project's gold-question fields for an approved answer; None for a 👎."""
    if record["rating"] != "up":
        return None
    answers = [] if record.get("abstained") else [record.get("answer")]
    return {"id": f"feedback-{record['id']}", "question": record.get("asked") or record.get("question"),
            "answers": answers, "doc_id": record.get("doc_id"), "evidence": record.get("sentence") or None}


def feedback_path(folder: Path, collection: str) -> Path:
    return folder / f"{collection}.jsonl"
