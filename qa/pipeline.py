"""The one path from a question to an answer, shared by ``ask()``, the page, the CLI,
``qa eval``, calibration and the benchmarks.

clean the question -> embed it -> retrieve (dense + BM25, filters) -> rerank (optional)
-> read (rules or the trained span reader) -> compose (confidence, citations).

``read_batch`` stops before composing, for calibration, which needs the reader's features.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.answer.calibration import Calibration
from qa.answer.compose import compose_answer
from qa.answer.heads import as_searched
from qa.answer.question import Question, analyse
from qa.answer.reading import Candidate, Reader, Reranker
from qa.answer.rules import RulesReader
from qa.answer.types import Answer
from qa.errors import SettingError
from qa.index.corpus_index import CorpusIndex
from qa.index.retrieve import Filters, Passage, RetrievalSettings, Retriever
from qa.models.embedder import Embedder
from qa.timing import stage

READERS = ("neural", "rules")
DEFAULT_READER = "neural"  # bench/eval_reader.py: it generalises where the rules do not
READER_ENV_VAR = "QA_READER"
MAX_QUESTION_CHARS = 1000
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Reading:
    """A question after retrieval and reading, before the answer is composed."""

    question: Question
    passages: tuple[Passage, ...]
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...]


def clean_question(question: object) -> tuple[str, tuple[str, ...]]:
    """The question as the model may read it, and notes on what was changed.

    A lone surrogate (which JSON and Python strings allow, UTF-8 does not) would make the
    tokenizer fail, so pairs are joined and lone halves become U+FFFD.
    """
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    text = question.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = " ".join(_CONTROL_RE.sub(" ", text).split())
    if len(text) > MAX_QUESTION_CHARS:
        cut = text.rfind(" ", 0, MAX_QUESTION_CHARS)
        text = text[: cut if cut > 0 else MAX_QUESTION_CHARS]
        return text, (f"Câu hỏi quá dài, chỉ dùng {len(text)} ký tự đầu (question truncated).",)
    return text, ()


def make_reader(name: str | None, index: CorpusIndex, embedder: Embedder) -> Reader:
    """The reader named, else ``QA_READER``, else the default (the trained span reader)."""
    chosen = name or os.environ.get(READER_ENV_VAR) or DEFAULT_READER
    if chosen == "rules":
        return RulesReader(index, embedder=embedder)
    if chosen == "neural":
        from qa.models.span_reader import SpanReader, shared_span_model

        return SpanReader(index, model=shared_span_model())
    source = "reader" if name else READER_ENV_VAR
    raise SettingError(f"{source}: unknown reader {chosen!r}; choose one of {', '.join(READERS)}")


def _no_words_note(text: str) -> str:
    if not text:
        return "Câu hỏi trống (empty question)."
    return "Câu hỏi không có chữ nào để tìm (the question has no words to search for)."


class Pipeline:
    """``reader`` is a ``Reader`` or its name; ``reranker="auto"`` takes the reader's own
    reranker where it has one (the span reader's answerability). Off by default: on ViNewsQA
    dev it did not raise article R@1 and cost 2.5 points of F1 (bench/eval_reader.py)."""

    def __init__(self, index: CorpusIndex, embedder: Embedder, *, retrieval: RetrievalSettings = RetrievalSettings(),
                 reader: Reader | str | None = None, reranker: Reranker | str | None = None,
                 calibration: Calibration | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.retrieval = retrieval
        self.retriever = Retriever(index, embedder, settings=retrieval)
        self.reader = reader if reader is not None and not isinstance(reader, str) else make_reader(reader, index, embedder)
        if reranker == "auto":
            reranker = self.reader.reranker() if hasattr(self.reader, "reranker") else None
        elif isinstance(reranker, str):
            raise SettingError(f"reranker: {reranker!r} is not a reranker; give one, \"auto\" or None")
        self.reranker = reranker
        self.calibration = calibration or Calibration.bundled(self.reader.name)
        self.calibration.check(set(self.reader.feature_names), self.reader.settings.to_dict())

    def with_index(self, index: CorpusIndex) -> Pipeline:
        """The same settings, reader kind and calibration over another version of the index."""
        reader = self.reader.for_index(index)
        return Pipeline(index, self.embedder, retrieval=self.retrieval, reader=reader, reranker=self.reranker,
                        calibration=self.calibration)

    def ranked(self, question: str, vector: np.ndarray, *, k: int) -> list[Passage]:
        """The first ``k`` passages in the order the reader sees them (for retrieval figures);
        ``vector`` embeds what is searched for the question (``as_searched``)."""
        analysed = analyse(question)
        passages = self.retriever.search_batch([as_searched(analysed)], k=k, vectors=vector.reshape(1, -1))[0]
        if self.reranker is None:
            return passages
        return self.reranker.rerank(analysed, passages)

    def read_batch(self, questions: Sequence[str], *, k: int, filters: Filters = Filters()) -> list[Reading]:
        cleaned = [clean_question(q) for q in questions]
        live = [i for i, (text, _) in enumerate(cleaned) if re.search(r"\w", text)]
        analysed = [analyse(text) for text, _ in cleaned]
        searched = [as_searched(analysed[i]) for i in live]
        with stage("query_embedding"):
            vectors = self.embedder.embed(searched, kind="query")
        depth = max([k, *(self.reader.depth(analysed[i]) for i in live)])  # readers may read past the k cited
        found = self.retriever.search_batch(searched, k=depth, filters=filters, vectors=vectors)
        readings = [Reading(question, (), (), notes + (_no_words_note(text),))
                    for question, (text, notes) in zip(analysed, cleaned, strict=True)]
        for slot, position in enumerate(live):
            question, notes = analysed[position], cleaned[position][1]
            passages = found[slot]
            if self.reranker is not None:
                with stage("rerank"):
                    passages = self.reranker.rerank(question, passages)
            with stage("read"):
                candidates = self.reader.read(question, passages, query_vector=vectors[slot])
            readings[position] = Reading(question, tuple(passages), tuple(candidates), notes)
        return readings

    def answer_batch(self, questions: Sequence[str], *, k: int = 5, filters: Filters = Filters()) -> list[Answer]:
        answers = []
        for reading in self.read_batch(questions, k=k, filters=filters):
            with stage("answer"):
                answers.append(compose_answer(reading.question, reading.passages, reading.candidates,
                                              calibration=self.calibration, k=k, notes=reading.notes))
        return answers
