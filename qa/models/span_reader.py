"""The trained span reader: the start and end of the answer in each passage read, and how
sure it is that the passage answers at all.

``SpanModel`` runs the int8 graph over windows of (question, excerpt), an excerpt being the
retrieved chunk with its article's sentences around it (``Excerpt``), and keeps, per
passage, the best span inside the chunk (at most ``max_answer_tokens`` long) with its score,
the no-answer score of the first token, and the answerability logit. ``SpanReader`` turns those into
candidates (the sentence around the span, the span inside it, features for the calibrated
confidence); ``SpanReranker`` reorders passages by the same reading, which is cached so a
passage is read once per question.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.answer.diacritics import restore_diacritics
from qa.answer.english_bodies import with_bodies_in_vietnamese
from qa.answer.english_terms import in_vietnamese_terms, with_names_spelled
from qa.answer.heads import with_head_titles
from qa.answer.question import Question
from qa.answer.reading import Candidate
from qa.answer.role_clauses import asked_roles, role_clauses
from qa.answer.role_paraphrases import with_chairing_as_written
from qa.answer.rules import RuleSettings, question_features, sentence_coverage
from qa.answer.specifics import Specific, missing_specifics, question_specifics
from qa.answer.spans import Span, count_words, dates
from qa.index.corpus_index import CorpusIndex, passage_text
from qa.index.retrieve import Passage
from qa.ingest.text import sentence_spans
from qa.models.reader_inputs import ReaderTokenizer, Window, pad_batch
from qa.timing import stage

_TRIM = " \t\n,;:.!?–-\"'“”()[]"
_CLAUSE_BREAK = re.compile(r"[,;]")
# Words a how-many answer keeps after its count: the unit ("6 ca tử vong", "4 sào hành tím").
UNIT_WORDS = 3
_COUNT_BREAK = re.compile(r"[,;]|\s(?:và|hoặc)\s")


@dataclass(frozen=True)
class SpanReaderSettings:
    # Passages read per question, by how it was typed. A question typed bare or in English finds
    # its own article first less often, and the reader, which reads across the two languages,
    # finds it further down. Held-out training questions, the right short answer (bench/
    # reading_settings.py has the prior's grid) reading 3 / 5 / 8 passages: with diacritics 112 /
    # 114 / 114 of 198, typed bare 101 / 106 / 108 of 198, written in English by a person 21 /
    # 23 / 28 of 81 (29 reading 20). The machine-English forms, which keep every Vietnamese word
    # their glossary lacks and so find their article first far more often, went 87 / 85 / 83.
    # Typed with diacritics, two: the third passage moved answer F1 on those questions by 0.03
    # points (55.50 / 55.53 reading 2 / 3, bench/reading_settings.py's grid) and the answers
    # holding gold of 400 answerable VNTC when-, where- and how-many calibration questions by one
    # (343 / 344), and took a third of the reading time.
    passages: int = 2
    bare_passages: int = 5
    english_passages: int = 8
    window_tokens: int = 256
    max_answer_tokens: int = 30
    # The answer is the span with the best margin - rank_prior * log(1 + retrieval rank): the
    # margins of different passages are not on one scale, and a later passage's span was more
    # often wrong unless far surer (held-out training questions, bench/reading_settings.py:
    # answer F1 48.6 with no prior, 52.4 with 4).
    rank_prior: float = 4.0
    rerank_weight: float = 1.0  # answerability logit added to the fused retrieval rank score
    # A passage is read with as many of its article's sentences around it as fit in one window
    # beside the question: the reader was trained on paragraphs and whole articles, and reads a
    # short text as "no answer here" whatever it says (the sample's first paragraph, 53 words,
    # gives "Cuộc gặp mặt diễn ra khi nào?" a margin of -18; with 100 words of another article
    # after it, +6.5). One window, not more: held-out training questions scored the same answer
    # F1 with 150 words of context as with 200 (55.4 / 55.2), and the reader's time grows with
    # the tokens it reads (bench/reading_settings.py: 52.6 alone, 55.5 so). False: the chunk alone.
    context: bool = True

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def depth(self, question: Question) -> int:
        """How many of the first passages the reader reads for this question."""
        if question.language == "en":
            return self.english_passages
        return self.passages if question.diacritics else self.bare_passages


@dataclass(frozen=True)
class Excerpt:
    """What the reader reads of a passage: ``text``, with the answer to be taken from
    [``start``, ``end``) only (the chunk, so the cited passage holds it; None: anywhere), and
    ``offset``, where the text begins in its article."""

    text: str
    start: int = 0
    end: int | None = None
    offset: int = 0

    @classmethod
    def around(cls, passage: Passage, *, room: int, tokenizer: ReaderTokenizer) -> Excerpt:
        """The passage's chunk with whole sentences of its article added after and before it in
        turn, while the text stays within ``room`` tokens; a side stops at its first sentence
        that does not fit."""
        chunk, text = passage.chunk, passage.article.text
        token_starts = tokenizer.token_starts(text)
        sentences = _sentences(text)
        sides = ([s for s in sentences if s[0] >= chunk.end], [s for s in sentences if s[1] <= chunk.start][::-1])
        start, end = chunk.start, chunk.end
        while any(sides):
            for side in sides:
                if side:
                    wider = min(start, side[0][0]), max(end, side[0][1])
                    tokens = np.searchsorted(token_starts, wider[1]) - np.searchsorted(token_starts, wider[0])
                    if tokens <= room:
                        start, end = wider
                        side.pop(0)
                    else:
                        side.clear()
        return cls(text[start:end], chunk.start - start, chunk.end - start, start)

    def tokens_allowed(self, window: Window) -> np.ndarray:
        """The window's tokens that may start or end an answer."""
        if self.end is None:
            return window.answer_mask
        return window.answer_mask & tokens_within(window, [(self.start, self.end)], len(self.text))


@lru_cache(maxsize=256)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text))


@dataclass(frozen=True)
class PassageReading:
    start: int  # answer offsets in the excerpt's text
    end: int
    span_score: float
    null_score: float
    answerable: float  # logit

    @property
    def margin(self) -> float:
        return self.span_score - self.null_score


@dataclass(frozen=True)
class AnswerFocus:
    """Where in a passage the answer must lie, when the question says: a how-many answer holds a
    number (``asks_count``), a who-question about a role at an event names someone inside a
    clause that says that role (qa/answer/role_clauses.py): touching it was not enough, "Thứ
    trưởng Bộ Công an dự và chỉ đạo Hội nghị; Thiếu tướng Đỗ Triệu Phong" ran on into the next.
    A passage with no such place is read whole."""

    counted: bool = False
    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: Question) -> AnswerFocus:
        return cls(counted=asks_count(question), roles=asked_roles(question))

    @property
    def inside(self) -> bool:
        """Whether the span must lie inside the ranges (a person in a clause), not only touch them."""
        return bool(self.roles) and not self.counted

    def ranges(self, passage: str) -> list[tuple[int, int]] | None:
        """Character ranges of the passage the span must touch (or, ``inside``, lie in); None: anywhere."""
        if self.counted:
            return count_words(passage)
        if self.roles:
            return role_clauses(passage, self.roles)
        return None


def best_span(start: np.ndarray, end: np.ndarray, allowed: np.ndarray, *, max_tokens: int,
              required: np.ndarray | None = None) -> tuple[int, int, float]:
    """Token indices (i, j), i <= j < i + max_tokens, maximising start[i] + end[j] over allowed
    tokens; with ``required``, only spans holding at least one such token, when any is allowed."""
    s = np.where(allowed, start, -np.inf)
    e = np.where(allowed, end, -np.inf)
    held = None
    if required is not None and (required & allowed).any():
        held = np.concatenate([[0], np.cumsum(required & allowed)])
    best = (0, 0, -np.inf)
    for width in range(min(max_tokens, len(s))):
        scores = s[: len(s) - width] + e[width:]
        if held is not None:
            scores = np.where(held[width + 1 :] > held[: len(s) - width], scores, -np.inf)
        i = int(np.argmax(scores))
        if scores[i] > best[2]:
            best = (i, i + width, float(scores[i]))
    return best


class SpanModel:
    """The reader graph and its tokenizer; thread-safe, one run at a time."""

    def __init__(self, graph: Path, tokenizer: ReaderTokenizer, *, threads: int | None = None, cache_size: int = 1024) -> None:
        from qa.models.onnx_backend import cpu_session

        self._session = cpu_session(graph, threads=threads)
        self.tokenizer = tokenizer
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, Excerpt, AnswerFocus], PassageReading] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def bundled(cls) -> SpanModel:
        from qa.models.e5_rebuild import ensure_default_model
        from qa.models.span_export import ensure_reader_graph

        tokenizer = ReaderTokenizer.from_file(str(ensure_default_model() / "tokenizer.json"))
        return cls(ensure_reader_graph(), tokenizer)

    def read(self, question: str, passages: Sequence[Excerpt], *, settings: SpanReaderSettings,
             focus: AnswerFocus = AnswerFocus()) -> list[PassageReading]:
        """Readings of the excerpts, each window run alone: nothing is padded, a passage's numbers
        never depend on the passages read beside it (with the int8 graph, whose activations were
        quantised per run, they did: an emoji that changed the third passage retrieved changed
        the span found in the first), and the cache holds each excerpt once per question.
        ``focus``: where the question says the answer lies; a window that has such a place
        answers with a span there (``AnswerFocus``)."""
        with self._lock:
            unread = [p for p in dict.fromkeys(passages) if (question, p, focus) not in self._cache]
            for passage, reading in zip(unread, self._run(question, unread, settings, focus), strict=True):
                self._cache[(question, passage, focus)] = reading
            found = [self._cache[(question, p, focus)] for p in passages]
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return found

    def _run(self, question: str, passages: list[Excerpt], settings: SpanReaderSettings, focus: AnswerFocus) -> list[PassageReading]:
        if not passages:
            return []
        q_ids = self.tokenizer.question_ids([question])[0]
        best: dict[int, PassageReading] = {}
        for i, tokens in enumerate(self.tokenizer.passage_tokens([p.text for p in passages])):
            ranges = focus.ranges(passages[i].text)
            for window in self.tokenizer.windows(q_ids, tokens, passage_index=i, max_tokens=settings.window_tokens):
                allowed = passages[i].tokens_allowed(window)
                if not allowed.any():
                    continue  # context only: the answer is taken from the chunk
                ids, mask = pad_batch([window], pad_id=self.tokenizer.pad_id)
                with stage("reader_model"):
                    start, end, answerable = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
                required = tokens_within(window, ranges, len(passages[i].text)) if ranges is not None else None
                reading = window_reading(window, start[0], end[0], float(answerable[0]), settings, allowed=allowed,
                                         required=required, inside=focus.inside)
                held = best.get(i)
                if held is None or reading.margin > held.margin:
                    best[i] = reading
        return [best[i] for i in range(len(passages))]


def window_reading(window: Window, start: np.ndarray, end: np.ndarray, answerable: float,
                    settings: SpanReaderSettings, *, allowed: np.ndarray | None = None, required: np.ndarray | None = None,
                    inside: bool = False) -> PassageReading:
    """The window's best span among the ``allowed`` tokens (all passage tokens if None);
    ``required``: tokens it must hold one of, or with ``inside``, the only tokens it may start and
    end on (when the window has any)."""
    n = len(window.input_ids)
    allowed = window.answer_mask if allowed is None else allowed
    if inside and required is not None and (required & allowed).any():
        allowed, required = allowed & required, None
    i, j, score = best_span(start[:n], end[:n], allowed, max_tokens=settings.max_answer_tokens, required=required)
    return PassageReading(int(window.offsets[i, 0]), int(window.offsets[j, 1]), score,
                          float(start[0] + end[0]), answerable)


def asks_count(question: Question) -> bool:
    """A how-many question: about 94 % of the training answers to one hold a number, and none of
    the reader's answers without one was right on the held-out training questions ("cặp" for
    "bao nhiêu năm")."""
    return question.kind == "how_many"


def tokens_within(window: Window, ranges: list[tuple[int, int]], length: int) -> np.ndarray:
    """The window's tokens that overlap the ranges (``AnswerFocus.ranges`` of the passage, found
    once for all its windows; ``length``: the passage's length)."""
    marked = np.zeros(length + 1, dtype=np.int64)
    for a, b in ranges:
        marked[a + 1 : b + 1] = 1
    before = np.cumsum(marked)
    starts, ends = window.offsets[:, 0], window.offsets[:, 1]
    return (starts >= 0) & (before[np.clip(ends, 0, length)] > before[np.clip(starts, 0, length)])


def answer_preference(margin, rank, *, rank_prior: float):
    """How much a passage's span is preferred as the answer (``SpanReaderSettings.rank_prior``);
    takes numbers or arrays, so bench/reading_settings.py scores its grid by the same rule."""
    return margin - rank_prior * np.log1p(rank)


def ended_after_its_date(answer: str, found: Sequence[Span]) -> int:
    """Where a when-answer ends: at the first comma or semicolon after its first date, so the
    clause that follows is not part of it ("Ngày 28/12, tại Hà Nội, Cục Truyền thông CAND tổ
    chức Hội nghị ..." is "Ngày 28/12"; "5h26 sáng 6/5 giờ địa phương, Hoàng tử Harry ..." is
    the time). ``found``: the answer's dates; with none it is kept whole."""
    cut = _CLAUSE_BREAK.search(answer, found[0].end) if found else None
    return cut.start() if cut else len(answer)


def ended_after_its_count(answer: str) -> int:
    """Where a how-many answer ends: at the first comma, semicolon, "và" or "hoặc" after its
    first number, and at most ``UNIT_WORDS`` words after it, so the count keeps its unit but not
    what runs on ("360.000 ca nhiễm và hơn 3.000 ca tử vong" is "360.000 ca nhiễm"). With no
    number it is kept whole."""
    counts = count_words(answer)
    if not counts:
        return len(answer)
    after = counts[0][1]
    cut = _COUNT_BREAK.search(answer, after)
    end = cut.start() if cut else len(answer)
    unit = re.findall(r"\s*\S+", answer[after:end])[:UNIT_WORDS]
    return after + sum(map(len, unit))


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop the punctuation a subword token drags in at either end ("2008," -> "2008"), but keep
    a bracket the span opened: "Công an nhân dân (CAND)", not "(CAND"."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    for opening, closing in ("()", "[]", "“”"):
        if text.count(opening, start, end) > text.count(closing, start, end) and text[end : end + 1] == closing:
            end += 1
    return start, end


def without_symbols(question: str) -> str:
    """The question without emoji, pictographs and invisible format characters (bidi controls,
    zero-width spaces): they say nothing about where the answer is, but as tokens they shift the
    reader's attention and so its span. Each becomes a space, so words it joined stay apart;
    a soft hyphen, which sits inside a word, is dropped."""
    kept = "".join("" if c == "\u00ad" else " " if unicodedata.category(c) in ("So", "Sk", "Cn", "Co", "Cf") or c == "\ufe0f"
                   else c for c in question)
    return " ".join(kept.split())


def as_read(question: Question, passages: Sequence[str]) -> str:
    """The question as the reader reads it: Vietnamese typed bare gets its diacritics back from
    the passages, English its roles, events and institutions in Vietnamese, its named bodies as
    the articles print them (qa/answer/english_bodies.py) and its bare names spelled as the
    passages spell them (qa/answer/english_terms.py); "who heads X" asks for the
    title that heads X (qa/answer/heads.py); emoji and invisible characters go."""
    if question.language == "en":
        text = with_names_spelled(with_head_titles(question.text, passages, english=True), passages)
        text = in_vietnamese_terms(with_bodies_in_vietnamese(text, passages))
    else:
        text = question.text if question.diacritics else restore_diacritics(question.text, passages)
        text = with_head_titles(with_chairing_as_written(text), passages, english=False)
    return without_symbols(text)


def read_passages(model: SpanModel, question: Question, passages: Sequence[Passage], *,
                  settings: SpanReaderSettings) -> tuple[list[Excerpt], list[PassageReading]]:
    """The excerpts of the passages and their readings, as the reader and the reranker both read
    them (the question as ``as_read`` puts it, the focus it asks for), so the cache serves both."""
    read = as_read(question, [p.chunk.text for p in passages])
    tokenizer = model.tokenizer
    room = tokenizer.passage_room(tokenizer.question_ids([read])[0], max_tokens=settings.window_tokens) if settings.context else 0
    excerpts = [Excerpt.around(p, room=room, tokenizer=tokenizer) for p in passages]
    return excerpts, model.read(read, excerpts, settings=settings, focus=AnswerFocus.of(question))


_SHARED: SpanModel | None = None
_SHARED_LOCK = threading.Lock()


def shared_span_model() -> SpanModel:
    """One reader graph per process, whatever number of indexes are open."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = SpanModel.bundled()
        return _SHARED


# Questions a sentence answers in a few words: a person, a date, a place, a count, an office.
# The reader is surer of these than of ViNewsQA's what- and how-questions, answered or not, so
# the calibration gives them their own abstention cut (bench/calibrate.py).
FACT_KINDS = frozenset({"who", "when", "where", "how_many", "position"})


class SpanReader:
    """``Reader`` backed by the trained span model."""

    name = "neural"
    feature_names = ("margin", "answerable", "null_score", "span_score", "passage_score", "passage_rank",
                     "passage_similarity", "span_chars", "english", "no_diacritics", "missing_share", "rarest_missing",
                     "number_missing", "sentence_coverage", "specifics_missing", "asks_fact")

    def __init__(self, index: CorpusIndex, *, model: SpanModel | None = None, settings: SpanReaderSettings = SpanReaderSettings()) -> None:
        self.index = index
        self.model = model or shared_span_model()
        self.settings = settings

    def for_index(self, index: CorpusIndex) -> SpanReader:
        return SpanReader(index, model=self.model, settings=self.settings)

    def depth(self, question: Question) -> int:
        return self.settings.depth(question)

    def reranker(self) -> SpanReranker:
        return SpanReranker(self.model, settings=self.settings)

    def read(self, question: Question, passages: Sequence[Passage], *, query_vector: np.ndarray) -> list[Candidate]:
        chosen = list(passages[: self.depth(question)])
        if not chosen:
            return []
        excerpts, readings = read_passages(self.model, question, chosen, settings=self.settings)
        shared = question_features(question, passages, self.index.lexical, looked_in=RuleSettings().missing_terms_passages)
        specifics = question_specifics(question)
        candidates = [self._candidate(question, rank, passage, excerpt.offset, reading, shared, specifics)
                      for rank, (passage, excerpt, reading) in enumerate(zip(chosen, excerpts, readings, strict=True))]
        return sorted(candidates, key=lambda c: -c.score)

    def _candidate(self, question: Question, rank: int, passage: Passage, offset: int, reading: PassageReading,
                   shared: dict[str, float], specifics: tuple[Specific, ...]) -> Candidate:
        """``offset``: where the text read begins in the article."""
        article = passage.article
        start, end = trimmed(article.text, offset + reading.start, offset + reading.end)
        s_start, s_end = self._sentence_around(passage, start, end)
        sentence = article.text[s_start:s_end]
        resolved = None
        if question.kind == "when":
            found = dates(sentence[start - s_start : end - s_start], article.date)
            resolved = found[0].resolved if found else None
            end = start + ended_after_its_date(article.text[start:end], found)
        elif question.kind == "how_many":
            end = start + ended_after_its_count(article.text[start:end])
        span = Span(start - s_start, end - s_start, question.kind, resolved) if end > start else None
        features = {**shared, **self._features(question, rank, passage, reading, sentence, span),
                    "specifics_missing": missing_specifics(question, specifics, passage_text(article, passage.chunk.text),
                                                          published=article.date)}
        preference = answer_preference(reading.margin, rank, rank_prior=self.settings.rank_prior)
        return Candidate(passage, s_start, s_end, span, 1.0 / (1.0 + np.exp(-preference)), features)

    def _features(self, question: Question, rank: int, passage: Passage, reading: PassageReading, sentence: str,
                  span: Span | None) -> dict[str, float]:
        """The reader's scores, and what the span's sentence says of the question: an article about
        the event that does not say what was asked still gets a span from the reader, and so does
        another event's article when the question is general (its specifics are checked apart)."""
        return {"margin": reading.margin, "answerable": reading.answerable, "null_score": reading.null_score,
                "asks_fact": float(question.kind in FACT_KINDS),
                "span_score": reading.span_score, "passage_score": passage.score, "passage_rank": float(rank),
                "span_chars": float(min(span.end - span.start, 200)) / 100 if span else 0.0,
                "sentence_coverage": sentence_coverage(question, sentence, self.index.lexical,
                                                       published=passage.article.date)}

    def _sentence_around(self, passage: Passage, start: int, end: int) -> tuple[int, int]:
        """The stored sentences of the passage that the span touches, joined."""
        bounds = [self.index.sentence_bounds(int(r)) for r in self.index.sentences_of_chunk(passage.row)]
        touched = [(a, b) for a, b in bounds if a < max(end, start + 1) and b > start]
        if not touched:
            return passage.chunk.start, passage.chunk.end
        return min(a for a, _ in touched), max(b for _, b in touched)


class SpanReranker:
    """``Reranker``: the best passages reordered by retrieval rank and the reader's answerability."""

    def __init__(self, model: SpanModel, *, settings: SpanReaderSettings = SpanReaderSettings()) -> None:
        self.model = model
        self.settings = settings

    def rerank(self, question: Question, passages: Sequence[Passage]) -> list[Passage]:
        """Only the passages the reader reads are reordered, so reranking costs no extra reading.
        Each keeps its retrieval score: the calibrated confidence reads it as a feature, and an
        answerability put in its place made the confidence abstain on half of the answerable
        ViNewsQA dev questions."""
        depth = self.settings.depth(question)
        head, tail = list(passages[:depth]), list(passages[depth:])
        if len(head) < 2:
            return list(passages)
        _, readings = read_passages(self.model, question, head, settings=self.settings)
        order = [self.settings.rerank_weight * r.answerable - np.log1p(rank) for rank, r in enumerate(readings)]
        return [p for _, p in sorted(zip(order, head, strict=True), key=lambda pair: -pair[0])] + tail
