"""How the retriever fuses its dense and BM25 candidates, checked against the formulas by hand.

The corpus is five one-chunk articles. The embedder gives every question the same vector and
every passage a vector whose cosine with it is fixed in advance, so the dense ranking and
scores are known. The questions are built so that BM25 finds one passage, or two of which one
plainly matches more of the question; min-max normalisation then turns the BM25 scores into
1 and 0 whatever their raw values, and RRF only looks at ranks, so every fused score below is
worked out from the formulas:

- weighted (the default): ``w × minmax(dense) + (1 − w) × minmax(bm25)``, a passage a
  retriever did not return counting 0 on that side, ``w`` the English weight for English
  questions;
- rrf: ``Σ 1 / (rrf_k + rank)`` over the retrievers that returned the passage;
- best first, a tie going to the earlier passage;
- a question that names a time lifts the passages of articles of that time (at the end).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from qa.answer.question import analyse
from qa.answer.question_dates import AskedTime
from qa.index.building import build_index
from qa.index.retrieve import Filters, Passage, RetrievalSettings, Retriever
from qa.ingest.corpus import make_article
from qa.models.embedder import ModelIdentity

# Headline -> text. Only D mentions the rhinoceros ("tê giác"); A and D both mention the
# cormorant ("chim cốc"), and only A the seagull ("hải âu") too.
ARTICLES = {
    "Bản tin A": "Đàn hải âu bay cùng chim cốc trên biển sáng nay.",
    "Bản tin B": "Người dân đi chợ đông vui trong buổi sáng hôm nay.",
    "Bản tin C": "Trời mưa nhẹ ở thành phố vào buổi chiều hôm qua.",
    "Bản tin D": "Con tê giác (rhinoceros) đứng cạnh chim cốc bên hồ sáng nay.",
    "Bản tin E": "Cửa hàng mở cửa muộn vì công nhân nghỉ lễ dài ngày.",
}
ONLY_IN_D = "Tê giác ở đâu?"
MOSTLY_IN_A_PARTLY_IN_D = "Hải âu và chim cốc ở đâu?"
ENGLISH_ONLY_IN_D = "Where is the rhinoceros?"

# With three dense candidates, D (0.1) and E (0.0) are left to BM25.
COSINES = {"A": 0.8, "B": 0.6, "C": 0.2, "D": 0.1, "E": 0.0}
THREE_CANDIDATES = replace(RetrievalSettings(), candidates=3, dense_weight=0.25)
RRF = replace(THREE_CANDIDATES, fusion="rrf", rrf_k=10)


class FixedCosineEmbedder:
    """Questions embed to one unit vector; a passage to a unit vector at the cosine given for its
    article (read from the headline on the passage's first line); anything else, at cosine 0."""

    def __init__(self, cosines: Mapping[str, float]) -> None:
        self.cosines = dict(cosines)
        key = ",".join(f"{letter}={value}" for letter, value in sorted(self.cosines.items()))
        self.identity = ModelIdentity("test-fixed-cosine", key, 3)

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            headline = text.split("\n", 1)[0]
            if kind == "query":
                out[row] = (1.0, 0.0, 0.0)
            elif headline.startswith("Bản tin ") and headline[-1] in self.cosines:
                cosine = self.cosines[headline[-1]]
                out[row] = (cosine, math.sqrt(1.0 - cosine * cosine), 0.0)
            else:
                out[row] = (0.0, 0.0, 1.0)
        return out


def _build(folder, cosines: Mapping[str, float]):
    articles = [make_article(id=headline[-1], title=headline, text=text, source="test") for headline, text in ARTICLES.items()]
    embedder = FixedCosineEmbedder(cosines)
    index = build_index(articles, name_or_path=folder, embedder=embedder)
    assert len(index) == len(ARTICLES), "each article should be a single chunk"
    return index, embedder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("fusion") / "index", COSINES)


def _search(corpus, question: str, settings: RetrievalSettings, *, k: int = 10) -> list[Passage]:
    index, embedder = corpus
    return Retriever(index, embedder, settings=settings).search(question, k=k)


def _scores(passages: Sequence[Passage]) -> dict[str, float]:
    return {p.article.id: p.score for p in passages}


def _order(passages: Sequence[Passage]) -> list[str]:
    return [p.article.id for p in passages]


def test_weighted_fusion_is_the_default():
    assert RetrievalSettings().fusion == "weighted"
    assert THREE_CANDIDATES.fusion == "weighted"


def test_weighted_passage_found_only_by_bm25_can_lead(corpus):
    found = _search(corpus, ONLY_IN_D, THREE_CANDIDATES)
    by_id = {p.article.id: p for p in found}
    # Dense returns A, B, C (cosines 0.8, 0.6, 0.2): min-max gives 1, (0.6 - 0.2) / 0.6 = 2/3, 0.
    assert [by_id[x].dense_rank for x in "ABC"] == [1, 2, 3] and by_id["D"].dense_rank is None
    # BM25 returns only D, which alone normalises to 1.
    assert by_id["D"].lexical_rank == 1 and all(by_id[x].lexical_rank is None for x in "ABC")
    expected = {"D": 0.75 * 1, "A": 0.25 * 1, "B": 0.25 * 2 / 3, "C": 0.0}
    assert _order(found) == ["D", "A", "B", "C"]  # E was found by neither retriever
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(_search(corpus, ONLY_IN_D, THREE_CANDIDATES, k=2)) == ["D", "A"]


def test_weighted_sums_both_sides_and_the_lowest_candidate_counts_zero(corpus):
    found = _search(corpus, MOSTLY_IN_A_PARTLY_IN_D, THREE_CANDIDATES)
    by_id = {p.article.id: p for p in found}
    assert by_id["A"].lexical_rank == 1 and by_id["D"].lexical_rank == 2
    assert by_id["A"].lexical_score > by_id["D"].lexical_score > 0
    # A is first on both sides: 0.25 × 1 + 0.75 × 1. D is BM25's last, which min-max makes 0,
    # just as C, dense's last, gets 0: C and D tie at 0 and the earlier passage, C, goes first.
    expected = {"A": 1.0, "B": 0.25 * 2 / 3, "C": 0.0, "D": 0.0}
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(found) == ["A", "B", "C", "D"]


def test_an_english_question_is_fused_like_a_vietnamese_one(corpus):
    """BM25's one hit outweighs the dense side for English too (bench/english_fusion.py)."""
    assert analyse(ENGLISH_ONLY_IN_D).language == "en"
    found = _search(corpus, ENGLISH_ONLY_IN_D, THREE_CANDIDATES)
    assert [p.article.id for p in found if p.lexical_rank] == ["D"]
    expected = {"D": 0.75 * 1, "A": 0.25 * 1, "B": 0.25 * 2 / 3, "C": 0.0}
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(found) == ["D", "A", "B", "C"]


def test_min_max_normalisation_ignores_the_scale_of_the_scores(tmp_path):
    """Cosines 0.5, 0.4, 0.2 normalise to 1, 2/3, 0 exactly like 0.8, 0.6, 0.2."""
    squeezed = _build(tmp_path / "index", {"A": 0.5, "B": 0.4, "C": 0.2, "D": 0.1, "E": 0.0})
    found = _search(squeezed, ONLY_IN_D, THREE_CANDIDATES)
    assert [p.dense_score for p in found if p.dense_rank] == pytest.approx([0.5, 0.4, 0.2], abs=1e-6)
    expected = {"D": 0.75, "A": 0.25, "B": 0.25 * 2 / 3, "C": 0.0}
    assert _scores(found) == pytest.approx(expected, abs=1e-6)


def test_equal_dense_scores_all_normalise_to_one_and_ties_keep_corpus_order(tmp_path):
    level = _build(tmp_path / "index", dict.fromkeys("ABCDE", 0.5))
    found = _search(level, ONLY_IN_D, replace(THREE_CANDIDATES, candidates=10))
    assert all(p.dense_rank is not None for p in found) and len(found) == 5
    # Every dense score is the highest and the lowest at once: each counts 1 on the dense side.
    expected = {"D": 0.25 + 0.75, "A": 0.25, "B": 0.25, "C": 0.25, "E": 0.25}
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(found) == ["D", "A", "B", "C", "E"]


def test_rrf_adds_reciprocal_ranks_and_ties_go_to_the_earlier_passage(corpus):
    found = _search(corpus, ONLY_IN_D, RRF)
    # Dense ranks A 1, B 2, C 3; BM25 ranks D 1. A and D both score 1 / (10 + 1): A is earlier.
    assert _scores(found) == pytest.approx({"A": 1 / 11, "D": 1 / 11, "B": 1 / 12, "C": 1 / 13}, abs=1e-9)
    assert _order(found) == ["A", "D", "B", "C"]


def test_rrf_passage_found_by_both_gets_both_terms(corpus):
    found = _search(corpus, MOSTLY_IN_A_PARTLY_IN_D, RRF)
    # A: dense 1 and BM25 1; D: BM25 2 only, which ties with B's dense 2.
    assert _scores(found) == pytest.approx({"A": 2 / 11, "B": 1 / 12, "D": 1 / 12, "C": 1 / 13}, abs=1e-9)
    assert _order(found) == ["A", "B", "D", "C"]


def test_rrf_depends_on_ranks_not_scores(corpus, tmp_path):
    """The same order at other cosines gives the same RRF scores."""
    reordered_alike = _build(tmp_path / "index", {"A": 0.99, "B": 0.3, "C": 0.29, "D": -0.5, "E": -0.9})
    assert _scores(_search(reordered_alike, MOSTLY_IN_A_PARTLY_IN_D, RRF)) == pytest.approx(
        _scores(_search(corpus, MOSTLY_IN_A_PARTLY_IN_D, RRF)), abs=1e-12)


# --- a time named in the question -------------------------------------------------------------
#
# The same five articles, now dated. A passage of an article whose date matches a time the
# question names gains ``time_boost`` × the best fused score; "tháng 5", "năm 2022" and "in May"
# add no word BM25 finds, so the fused scores before the lift are those worked out above.

DATES = {"A": "2022-12", "B": "2022-05", "C": None, "D": "2021-05", "E": "2022-05"}
HALF_LIFT = replace(THREE_CANDIDATES, time_boost=0.5)


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    articles = [make_article(id=headline[-1], title=headline, text=text, source="test", date=DATES[headline[-1]])
                for headline, text in ARTICLES.items()]
    embedder = FixedCosineEmbedder(COSINES)
    return build_index(articles, name_or_path=tmp_path_factory.mktemp("dated") / "index", embedder=embedder), embedder


def test_a_named_month_lifts_that_months_articles(dated):
    question = "Tê giác ở đâu tháng 5?"
    assert analyse(question).times == (AskedTime(month=5),)
    # Before the lift: D 0.75, A 0.25, B 0.25 × 2/3, C 0 (as in the first test). May's articles
    # are B (2022) and D (2021); C is undated. The lift is 0.5 × 0.75.
    expected = {"D": 0.75 + 0.375, "B": 0.25 * 2 / 3 + 0.375, "A": 0.25, "C": 0.0}
    found = _search(dated, question, HALF_LIFT)
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(found) == ["D", "B", "A", "C"]


def test_a_lift_is_not_a_filter_a_much_better_passage_of_another_year_still_leads(dated):
    # "năm 2022" matches A (December) and B (May), not D (2021), which BM25 alone found.
    found = _search(dated, "Tê giác ở đâu năm 2022?", HALF_LIFT)
    expected = {"D": 0.75, "A": 0.25 + 0.375, "B": 0.25 * 2 / 3 + 0.375, "C": 0.0}
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(found) == ["D", "A", "B", "C"]
    # Month and year together match A alone.
    assert _order(_search(dated, "Tê giác ở đâu tháng 12/2022?", HALF_LIFT)) == ["D", "A", "B", "C"]
    assert _scores(_search(dated, "Tê giác ở đâu tháng 12/2022?", HALF_LIFT))["B"] == pytest.approx(0.25 * 2 / 3, abs=1e-6)


def test_an_english_named_month_is_lifted_too(dated):
    # D 0.75 (BM25's one hit), A 0.25, B 0.25 × 2/3; the lift is 0.5 × 0.75 for B and D.
    found = _search(dated, "Where is the rhinoceros in May?", HALF_LIFT)
    expected = {"D": 0.75 + 0.375, "B": 0.25 * 2 / 3 + 0.375, "A": 0.25, "C": 0.0}
    assert _scores(found) == pytest.approx(expected, abs=1e-6)
    assert _order(found) == ["D", "B", "A", "C"]


def test_no_named_time_or_no_lift_changes_nothing(dated):
    plain = _scores(_search(dated, ONLY_IN_D, HALF_LIFT))
    assert plain == pytest.approx({"D": 0.75, "A": 0.25, "B": 0.25 * 2 / 3, "C": 0.0}, abs=1e-6)
    unlifted = _search(dated, "Tê giác ở đâu tháng 5?", replace(HALF_LIFT, time_boost=0.0))
    assert _scores(unlifted) == pytest.approx(plain, abs=1e-6)


def test_rrf_scores_are_lifted_by_the_same_share_of_the_best(dated):
    found = _search(dated, "Tê giác ở đâu tháng 5?", replace(RRF, time_boost=0.5))
    lift = 0.5 / 11  # A and D tie at 1 / 11, the best
    expected = {"A": 1 / 11, "D": 1 / 11 + lift, "B": 1 / 12 + lift, "C": 1 / 13}
    assert _scores(found) == pytest.approx(expected, abs=1e-9)
    assert _order(found) == ["D", "B", "A", "C"]


def test_user_date_filters_still_exclude_and_the_named_time_orders_what_they_admit(dated):
    """From 2022 on: D (2021) and C (undated) are out whatever the question names."""
    index, embedder = dated
    filters = Filters(date_from=date(2022, 1, 1))
    found = Retriever(index, embedder, settings=HALF_LIFT).search("Tê giác ở đâu tháng 5?", k=10, filters=filters)
    # Dense over A, B, E (0.8, 0.6, 0.0): 1, 0.75, 0; BM25 finds only D, which is not admitted.
    # Fused: A 0.25, B 0.1875, E 0; May's B and E gain 0.5 × 0.25.
    assert _scores(found) == pytest.approx({"B": 0.1875 + 0.125, "A": 0.25, "E": 0.125}, abs=1e-6)
    assert _order(found) == ["B", "A", "E"]
