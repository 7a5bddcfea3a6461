"""Score the assistant against a gold question set: retrieval, answers, abstention, latency.

Every question goes through ``Assistant.ask`` exactly as a user's would (the answer and its
latency), and through the same retriever once more with a deep cut-off, so retrieval can be
scored at every k from one ranking. Several retrievers (``bm25``, ``dense``, ``hybrid`` or
any fusion settings) run over the same questions and the same index in one call, for ablations.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from qa.answer.heads import as_searched
from qa.answer.question import analyse
from qa.answer.types import Answer
from qa.assistant import Assistant, open_or_build_sample
from qa.ingest.corpus import Article, load_articles
from qa.models.embedder import Embedder, make_embedder
from qa.errors import IndexCorruptError, ModelMismatchError
from qa.eval.gold import GoldQuestion, GoldSet, contains_any, judge, load_gold_set
from qa.index.building import build_index, corpus_fingerprint
from qa.index.corpus_index import CorpusIndex
from qa.index.names import index_exists
from qa.index.opening import index_model, open_index
from qa.eval.metrics import distinct, exact_match, first_rank, mrr_at, ndcg_at, percentile, precision_recall, recall_at, token_f1
from qa.progress import progress
from qa.index.retrieve import RetrievalSettings

DEFAULT_KS = (1, 5, 10, 20)
REPORT_VERSION = 1

# --- retrievers to compare -------------------------------------------------------------------


@dataclass(frozen=True)
class RetrieverSpec:
    label: str
    settings: RetrievalSettings


def parse_retriever(spec: str) -> RetrieverSpec:
    """``bm25``, ``dense``, ``hybrid`` or ``hybrid:fusion=rrf,rrf_k=20`` (any RetrievalSettings field)."""
    mode, _, options = spec.partition(":")
    if mode not in ("bm25", "dense", "hybrid"):
        raise ValueError(f"--retriever {spec!r}: the mode must be bm25, dense or hybrid")
    fields = {f.name: f for f in dataclasses.fields(RetrievalSettings)}
    values: dict[str, object] = {"mode": mode}
    for option in filter(None, options.split(",")):
        key, _, raw = option.partition("=")
        if key not in fields or key == "mode" or not raw:
            raise ValueError(f"--retriever {spec!r}: unknown option {option!r}; use one of "
                             + ", ".join(f"{name}=…" for name in fields if name != "mode"))
        default = getattr(RetrievalSettings(), key)
        try:
            values[key] = type(default)(raw)
        except ValueError:
            raise ValueError(f"--retriever {spec!r}: {key} must be a {type(default).__name__}") from None
    settings = RetrievalSettings(**values)  # type: ignore[arg-type]
    if settings.fusion not in ("rrf", "weighted"):
        raise ValueError(f"--retriever {spec!r}: fusion must be rrf or weighted")
    return RetrieverSpec(spec, settings)


# --- what one question gave ----------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    id: str
    question: str
    type: str
    lang: str
    answers: tuple[str, ...]
    doc_id: str | None
    article_rank: int | None  # rank of the gold article among distinct retrieved articles
    passage_rank: int | None  # rank of the first retrieved passage holding a gold answer
    answer: str
    sentence: str
    abstained: bool
    confidence: float
    trust: str  # "answered", "unsure" or "not_found", as the page shows it
    exact_match: float
    f1: float
    contains: bool  # the short answer holds a gold answer
    supported: bool  # the supporting sentence holds a gold answer
    cited: bool  # the first citation is the gold article
    cited_doc: str | None
    cited_passage: str
    latency_ms: float

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def failed(self) -> bool:
        return not self.contains if self.answerable else not self.abstained


@dataclass(frozen=True)
class Scores:
    """Figures over a group of questions; NaN where the group has nothing to measure."""

    questions: int
    answerable: int
    recall: dict[int, float]  # article-level Recall@k, over answerable questions with a gold article
    passage_recall: dict[int, float]  # a gold answer appears in one of the first k passages
    mrr10: float
    ndcg10: float
    exact_match: float
    f1: float
    contains: float
    supported: float
    cited: float
    abstain_precision: float
    abstain_recall: float
    answered_share: float  # labelled "answered", over all questions
    answered_right: float  # of those: answerable, and the short answer holds a gold answer
    latency_p50_ms: float
    latency_p95_ms: float


def score(results: Sequence[QuestionResult], ks: Sequence[int]) -> Scores:
    answerable = [r for r in results if r.answerable]
    with_doc = [r.article_rank for r in answerable if r.doc_id is not None]
    passages = [r.passage_rank for r in answerable]
    precision, recall = precision_recall([r.abstained for r in results], [not r.answerable for r in results])
    latencies = [r.latency_ms for r in results]
    return Scores(
        questions=len(results),
        answerable=len(answerable),
        recall={k: recall_at(with_doc, k) for k in ks},
        passage_recall={k: recall_at(passages, k) for k in ks},
        mrr10=mrr_at(with_doc, 10),
        ndcg10=ndcg_at(with_doc, 10),
        exact_match=_mean(r.exact_match for r in answerable),
        f1=_mean(r.f1 for r in answerable),
        contains=_mean(r.contains for r in answerable),
        supported=_mean(r.supported for r in answerable),
        cited=_mean(r.cited for r in answerable if r.doc_id is not None),
        abstain_precision=precision,
        abstain_recall=recall,
        answered_share=_mean(r.trust == "answered" for r in results),
        answered_right=_mean(r.answerable and r.contains for r in results if r.trust == "answered"),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )


def _mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else float("nan")


# --- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    """One retriever over every question."""

    retriever: str
    settings: RetrievalSettings
    overall: Scores
    by_type: dict[str, Scores]
    by_lang: dict[str, Scores]
    results: tuple[QuestionResult, ...]


@dataclass(frozen=True)
class EvalReport:
    gold: str
    gold_format: str
    index: dict[str, object]  # name, articles, chunks, model fingerprint
    ks: tuple[int, ...]
    sources: int
    created_at: str
    runs: tuple[RunReport, ...]
    warnings: tuple[str, ...]

    def to_dict(self, *, with_results: bool = False) -> dict:
        """JSON-ready; NaN becomes null. Per-question results only when asked (they are large)."""
        document = {
            "report_version": REPORT_VERSION, "gold": self.gold, "gold_format": self.gold_format,
            "index": self.index, "ks": list(self.ks), "sources": self.sources, "created_at": self.created_at,
            "warnings": list(self.warnings),
            "runs": [
                {
                    "retriever": run.retriever, "settings": dataclasses.asdict(run.settings),
                    "overall": dataclasses.asdict(run.overall),
                    "by_type": {key: dataclasses.asdict(s) for key, s in run.by_type.items()},
                    "by_lang": {key: dataclasses.asdict(s) for key, s in run.by_lang.items()},
                    **({"results": [dataclasses.asdict(r) for r in run.results]} if with_results else {}),
                }
                for run in self.runs
            ],
        }
        return _json_safe(document)


def _json_safe(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


# --- running ----------------------------------------------------------------------------------


def evaluate(
    gold: str | Path,
    *,
    index: str | Path | None = None,
    corpus: Sequence[str | os.PathLike] = (),
    ks: Sequence[int] = DEFAULT_KS,
    retrievers: Sequence[str] = ("hybrid",),
    sources: int = 5,
    split: str | None = None,
    limit: int | None = None,
    model: str | None = None,
    backend: str | None = None,
    embedder: Embedder | None = None,
    reader: str | None = None,
    rerank: bool = False,
    show_progress: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> EvalReport:
    """Score every retriever in ``retrievers`` on the questions of ``gold``.

    The articles searched are, in order of preference: the saved ``index``; the ``corpus``
    files (indexed once, then reused while they are unchanged); the gold file's own SQuAD
    contexts; the bundled sample corpus.
    """
    if index is not None and corpus:
        raise ValueError("give --index or --corpus, not both")
    ks = tuple(sorted({int(k) for k in ks}))
    if not ks or ks[0] < 1:
        raise ValueError("-k needs positive cut-offs, e.g. 1,5,10,20")
    specs = [parse_retriever(spec) for spec in retrievers]
    gold_set = load_gold_set(gold)
    questions = _chosen(gold_set, split=split, limit=limit)
    embedder = embedder or _embedder(index, model=model, backend=backend, show_progress=show_progress)
    corpus_index = _corpus_index(gold_set, index=index, corpus=corpus, embedder=embedder, show_progress=show_progress, log=log)
    # what each question searches for, embedded once for every retriever's ranking
    vectors = embedder.embed([as_searched(analyse(q.question)) for q in questions], kind="query")
    runs = tuple(
        _run(spec, questions, vectors, corpus_index, embedder, ks=ks, sources=sources, show_progress=show_progress,
             pipeline_options={"reader": reader, "reranker": "auto" if rerank else None})
        for spec in specs
    )
    return EvalReport(
        gold=str(gold) + (f" [{split}]" if split else ""), gold_format=gold_set.format,
        index={"name": corpus_index.name, "articles": len(corpus_index.articles), "chunks": len(corpus_index),
               "model": corpus_index.model.to_dict(), "reader": reader or "default", "rerank": rerank},
        ks=ks, sources=sources, created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), runs=runs,
        warnings=_warnings(questions, corpus_index),
    )


def _embedder(index, *, model: str | None, backend: str | None, show_progress: bool) -> Embedder:
    """A saved index is searched with the model and backend that built it, unless told otherwise."""
    if index is not None:
        return make_embedder(model, backend=backend, built_with=index_model(index), show_progress=show_progress)
    return make_embedder(model, backend=backend, show_progress=show_progress)


def _chosen(gold_set: GoldSet, *, split: str | None, limit: int | None) -> tuple[GoldQuestion, ...]:
    questions = gold_set.questions
    if split is not None:
        questions = tuple(q for q in questions if q.split == split)
        if not questions:
            splits = sorted({q.split for q in gold_set.questions if q.split})
            raise ValueError(f"{gold_set.path}: no question of split {split!r} (splits: {', '.join(splits) or 'none'})")
    return questions[:limit] if limit else questions


def _corpus_index(gold_set: GoldSet, *, index, corpus, embedder: Embedder, show_progress: bool, log) -> CorpusIndex:
    if index is not None:
        return open_index(index, model=embedder.identity)
    if corpus:
        articles = load_articles(corpus).articles
        sources = [str(p) for p in corpus]
    elif gold_set.contexts:
        articles, sources = gold_set.contexts, [gold_set.path]
    else:
        return open_or_build_sample(embedder, show_progress=show_progress).index
    return _cached_index(articles, sources=sources, embedder=embedder, show_progress=show_progress, log=log)


def _cached_index(articles: Sequence[Article], *, sources, embedder: Embedder, show_progress: bool, log) -> CorpusIndex:
    """An index named by the articles' content: built once, reused while nothing changed."""
    fingerprint = corpus_fingerprint(articles)
    backend = embedder.identity.backend
    name = f"eval-{fingerprint[:12]}" + ("" if backend == "torch" else f"-{backend}")
    if index_exists(name):
        try:
            found = open_index(name, model=embedder.identity)
            if found.manifest.corpus_fingerprint == fingerprint:
                log(f"using index {name} ({len(found.articles):,} articles)")
                return found
        except (IndexCorruptError, ModelMismatchError) as exc:
            log(f"rebuilding index {name}: {exc}")
    log(f"indexing {len(articles):,} articles as {name} (reused by later runs)")
    return build_index(articles, name_or_path=name, embedder=embedder, sources=sources, show_progress=show_progress)


def _warnings(questions: Sequence[GoldQuestion], index: CorpusIndex) -> tuple[str, ...]:
    known = {a.id for a in index.articles}
    wanted = {q.doc_id for q in questions if q.doc_id is not None and q.answerable}
    missing = wanted - known
    notes = []
    if missing:
        notes.append(f"{len(missing)} of {len(wanted)} gold articles are not in index {index.name} "
                     f"(e.g. {sorted(missing)[0]!r}): retrieval figures count them as misses")
    if not wanted:
        notes.append("no question names its gold article: article-level retrieval figures are empty")
    return tuple(notes)


def _run(spec: RetrieverSpec, questions: Sequence[GoldQuestion], vectors: np.ndarray, index: CorpusIndex,
         embedder: Embedder, *, ks: tuple[int, ...], sources: int, show_progress: bool, pipeline_options: dict) -> RunReport:
    assistant = Assistant(index, embedder, retrieval=spec.settings, **pipeline_options)
    results = tuple(
        _one(assistant, question, vector, ks=ks, sources=sources)
        for question, vector in progress(zip(questions, vectors), desc=f"eval {spec.label}", unit="q",
                                         total=len(questions), enabled=show_progress)
    )
    return RunReport(
        retriever=spec.label, settings=spec.settings, overall=score(results, ks),
        by_type=_grouped(results, ks, key=lambda r: r.type), by_lang=_grouped(results, ks, key=lambda r: r.lang),
        results=results,
    )


def _grouped(results: Sequence[QuestionResult], ks, *, key) -> dict[str, Scores]:
    groups: dict[str, list[QuestionResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: score(members, ks) for name, members in sorted(groups.items())}


def _one(assistant: Assistant, gold: GoldQuestion, vector: np.ndarray, *, ks: tuple[int, ...], sources: int) -> QuestionResult:
    """The answer (timed, as a user gets it) and where the gold article and answer rank."""
    started = time.perf_counter()
    answer = assistant.ask(gold.question, k=sources)
    latency_ms = 1000 * (time.perf_counter() - started)
    # Every fused candidate, best first: deep enough to rank max(ks) distinct articles.
    ranking = assistant.pipeline.ranked(gold.question, vector, k=max(len(assistant.index), max(ks)))
    articles = distinct(p.article.id for p in ranking)
    passage_hits = [gold.answerable and contains_any(p.chunk.text, gold.answers) for p in ranking[: max(ks)]]
    return _result(gold, answer, article_rank=first_rank(articles, gold.doc_id) if gold.doc_id else None,
                   passage_rank=first_rank(passage_hits, True), latency_ms=latency_ms)


def _result(gold: GoldQuestion, answer: Answer, *, article_rank: int | None, passage_rank: int | None,
            latency_ms: float) -> QuestionResult:
    judgement = judge(gold, answer)
    first = answer.citations[0] if answer.citations else None
    answered = gold.answerable and not answer.abstained
    return QuestionResult(
        id=gold.id, question=gold.question, type=gold.type, lang=gold.lang, answers=gold.answers, doc_id=gold.doc_id,
        article_rank=article_rank, passage_rank=passage_rank,
        answer="" if answer.abstained else answer.text, sentence="" if answer.abstained else answer.sentence,
        abstained=answer.abstained, confidence=answer.confidence, trust=answer.trust,
        exact_match=exact_match(answer.text, gold.answers) if answered else 0.0,
        f1=token_f1(answer.text, gold.answers) if answered else 0.0,
        contains=judgement.correct, supported=judgement.supported, cited=judgement.cited,
        cited_doc=first.doc_id if first else None, cited_passage=first.passage if first else "",
        latency_ms=latency_ms,
    )
