"""The public entry points: ``Assistant`` over one index, and ``ask()`` over the default one.

``ask()`` with no index uses the sample corpus shipped in the package, indexed on first use
(once, under a lock, so concurrent first calls build it once).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .answer import Answer, Calibration, compose_answer, rank_sentences
from .chunking import ChunkSettings
from .corpus import load_articles
from .embedder import Embedder, SentenceTransformerEmbedder, embedder_for
from .errors import IndexCorruptError, ModelMismatchError
from .index import CorpusIndex, build_index, index_exists, index_model, open_index
from .question import analyse
from .retrieve import Filters, RetrievalSettings, Retriever
from .sample import SAMPLE_INDEX_NAME, sample_corpus_dir
from .timing import stage

logger = logging.getLogger(__name__)
MAX_QUESTION_CHARS = 1000
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class AskOptions:
    k: int = 5
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None


def _clean_question(question: object) -> tuple[str, tuple[str, ...]]:
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


def _no_words_note(text: str) -> str:
    if not text:
        return "Câu hỏi trống (empty question)."
    return "Câu hỏi không có chữ nào để tìm (the question has no words to search for)."


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class Assistant:
    def __init__(
        self,
        index: CorpusIndex,
        embedder: Embedder,
        *,
        retrieval: RetrievalSettings = RetrievalSettings(),
        calibration: Calibration | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder, settings=retrieval)
        self.calibration = calibration or Calibration.bundled()

    @classmethod
    def open(cls, name_or_path: str | Path, *, model: str | None = None, backend: str | None = None,
             embedder: Embedder | None = None, **options) -> Assistant:
        """The index's own model and backend, unless a model, backend or embedder is named.

        Opening checks the index against the embedder: the model folder may have changed since.
        """
        embedder = embedder or embedder_for(index_model(name_or_path), model=model, backend=backend)
        return cls(open_index(name_or_path, model=embedder.identity), embedder, **options)

    @classmethod
    def build(
        cls, paths: Sequence[str | os.PathLike], name_or_path: str | Path, *, model: str | None = None,
        backend: str | None = None, embedder: Embedder | None = None, chunking: ChunkSettings = ChunkSettings(), skip_bad: bool = False,
        show_progress: bool = False, **options,
    ) -> Assistant:
        embedder = embedder or SentenceTransformerEmbedder(model, backend=backend)
        articles = load_articles(paths, skip_bad=skip_bad).articles
        index = build_index(articles, name_or_path=name_or_path, embedder=embedder, chunking=chunking,
                            sources=[str(p) for p in paths], show_progress=show_progress)
        return cls(index, embedder, **options)

    def ask(self, question: str, *, k: int = 5, date_from: date | str | None = None, date_to: date | str | None = None,
            source: str | None = None) -> Answer:
        return self.ask_batch([question], k=k, date_from=date_from, date_to=date_to, source=source)[0]

    def ask_batch(self, questions: Sequence[str], *, k: int = 5, date_from: date | str | None = None,
                  date_to: date | str | None = None, source: str | None = None) -> list[Answer]:
        """Answer several questions, embedding them in one call."""
        if isinstance(questions, str):
            raise TypeError("ask_batch takes a list of questions; use ask() for one")
        cleaned = [_clean_question(q) for q in questions]
        filters = Filters(_as_date(date_from), _as_date(date_to), source)
        answers: list[Answer | None] = [None] * len(cleaned)
        live = [i for i, (text, _) in enumerate(cleaned) if re.search(r"\w", text)]
        with stage("query_embedding"):
            vectors = self.embedder.embed([cleaned[i][0] for i in live], kind="query")
        results = self.retriever.search_batch([cleaned[i][0] for i in live], k=max(k, 8), filters=filters, vectors=vectors)
        for slot, position in enumerate(live):
            with stage("answer"):
                answers[position] = self._answer(cleaned[position], results[slot], vectors[slot], k)
        for position, (text, notes) in enumerate(cleaned):
            if answers[position] is None:
                answers[position] = Answer(text, "", "", True, 0.0, (), notes=notes + (_no_words_note(text),))
        return answers  # type: ignore[return-value]

    def _answer(self, cleaned: tuple[str, tuple[str, ...]], passages, vector, k: int) -> Answer:
        text, notes = cleaned
        question = analyse(text)
        candidates = rank_sentences(question, passages, query_vector=vector, index=self.index)
        return compose_answer(question, passages, candidates, calibration=self.calibration, lexical=self.index.lexical, k=k, notes=notes)


_DEFAULT: Assistant | None = None
_DEFAULT_LOCK = threading.Lock()


def default_assistant(*, show_progress: bool = False) -> Assistant:
    """The assistant over the bundled sample corpus, built on first use and then reused."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = open_or_build_sample(SentenceTransformerEmbedder(), show_progress=show_progress)
        return _DEFAULT


def open_or_build_sample(embedder: Embedder, *, show_progress: bool) -> Assistant:
    """The sample index is generated content: an old, damaged or other-model one is rebuilt."""
    if index_exists(SAMPLE_INDEX_NAME):
        try:
            return Assistant.open(SAMPLE_INDEX_NAME, embedder=embedder)
        except (IndexCorruptError, ModelMismatchError) as exc:
            logger.warning("rebuilding the sample index: %s", exc)
    return Assistant.build([sample_corpus_dir()], SAMPLE_INDEX_NAME, embedder=embedder, show_progress=show_progress)


def ask(question: str, *, index: str | Path | None = None, **options) -> Answer:
    """Answer one question from the default index, or from the index named."""
    assistant = default_assistant() if index is None else Assistant.open(index)
    return assistant.ask(question, **options)
