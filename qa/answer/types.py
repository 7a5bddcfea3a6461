"""What the assistant returns: an answer, its citations and the answers of other dates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

# How far to trust an answer (qa/answer/calibration.py): its short answer is likely right
# ("answered"), the articles seem to answer but this span may not be it ("unsure"), or they do
# not answer (the assistant abstains: "not_found").
Trust = Literal["answered", "unsure", "not_found"]
TRUST_LABELS: tuple[str, ...] = get_args(Trust)


@dataclass(frozen=True)
class Citation:
    number: int
    doc_id: str
    title: str
    date: str | None
    source: str
    url: str | None
    passage: str
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    score: float
    answer_start: int | None = None
    answer_end: int | None = None


@dataclass(frozen=True)
class Alternative:
    """Another article's answer to the same question, when articles of different dates disagree."""

    text: str
    date: str | None
    citation: int


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sentence: str
    abstained: bool
    confidence: float
    citations: tuple[Citation, ...]
    question_type: str = "other"
    language: str = "vi"
    resolved_date: str | None = None
    alternatives: tuple[Alternative, ...] = ()
    notes: tuple[str, ...] = field(default=())
    trust: Trust | None = None  # None: "not_found" when abstained, else "answered" (answers built by hand)

    def __post_init__(self) -> None:
        if self.trust is None:
            object.__setattr__(self, "trust", "not_found" if self.abstained else "answered")
        elif self.trust not in TRUST_LABELS or (self.trust == "not_found") != self.abstained:
            raise ValueError(f"trust {self.trust!r} does not fit an answer with abstained={self.abstained}")

    def to_dict(self) -> dict:
        return asdict(self)

    def markdown(self) -> str:
        from qa.answer.render import render_markdown

        return render_markdown(self)
