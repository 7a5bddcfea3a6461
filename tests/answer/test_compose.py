"""From the reader's candidates to the answer: alternatives by date, abstention, citations.

Articles, passages and candidates are built by hand (no model, no index); the calibration is a
one-feature logistic model, so each confidence follows from ``1 / (1 + e^-(bias + w·x))``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from qa.answer.calibration import Calibration, Logistic
from qa.answer.compose import ComposeSettings, compose_answer, disagreeing
from qa.answer.question import Question, analyse
from qa.answer.question_dates import AskedTime
from qa.answer.reading import Candidate
from qa.answer.spans import Span
from qa.answer.types import Alternative
from qa.index.retrieve import Passage
from qa.ingest.chunking import Chunk
from qa.ingest.corpus import Article, make_article

WHO = Question(text="Ai là Cục trưởng?", language="vi", diacritics=True, kind="who", role_verbs=(), unit=None)

# confidence = sigmoid(support): 2 -> 0.881, above the 0.5 threshold; -2 -> 0.119, below it.
# The answer is "answered" when sigmoid(support - 3) >= 0.5, so from support 3.
CALIBRATION = Calibration(reader="test", present=Logistic(weights={"support": 1.0}, bias=0.0, threshold=0.5),
                          right=Logistic(weights={"support": 1.0}, bias=-3.0, threshold=0.5), settings={})
CONFIDENT, UNSURE, ON_THE_THRESHOLD = {"support": 2.0}, {"support": -2.0}, {"support": 0.0}
SURE, JUST_SURE = {"support": 4.0}, {"support": 3.0}

# Rivals within 90 % of the best score count; at most two of them are looked at.
SETTINGS = ComposeSettings(rival_share=0.9, max_rivals=2)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _article(doc_id: str, date: str | None, sentence: str) -> Article:
    return make_article(id=doc_id, title=f"Tin {doc_id}", source="test", date=date,
                        text=f"Mở đầu bài {doc_id}. {sentence} Hết bài {doc_id}.")


def _passage(article: Article, row: int, *, score: float = 0.5, start: int = 0, end: int | None = None, index: int = 0) -> Passage:
    end = len(article.text) if end is None else end
    return Passage(row=row, chunk=Chunk(article.id, index, start, end, article.text[start:end]), article=article,
                   score=score, dense_rank=None, dense_score=None, lexical_rank=None, lexical_score=None)


def _candidate(passage: Passage, answer: str | None, score: float, features=CONFIDENT) -> Candidate:
    """The candidate whose sentence is the article's second one, with ``answer`` as its span."""
    text = passage.article.text
    start = text.index(". ") + 2
    end = text.index(f" Hết bài {passage.article.id}")
    sentence = text[start:end]
    span = None if answer is None else Span(sentence.index(answer), sentence.index(answer) + len(answer), "person")
    return Candidate(passage=passage, start=start, end=end, span=span, score=score, features=features)


MAY = _article("may", "2022-05", "Đại tá Nguyễn Văn An là Cục trưởng.")
DECEMBER = _article("dec", "2022-12", "Thiếu tướng Đỗ Triệu Phong là Cục trưởng.")
LAST_YEAR = _article("2021", "2021-03", "Đại tá Lê Văn Bình là Cục trưởng.")
MAY_TOO = _article("may-too", "2022-05", "Đại tá Trần Quốc Hùng là Cục trưởng.")
UNDATED = _article("undated", None, "Đại tá Phạm Minh Tâm là Cục trưởng.")
ANSWERS = {"may": "Đại tá Nguyễn Văn An", "dec": "Thiếu tướng Đỗ Triệu Phong", "2021": "Đại tá Lê Văn Bình",
           "may-too": "Đại tá Trần Quốc Hùng", "undated": "Đại tá Phạm Minh Tâm"}


def _leaders(*scored: tuple[Article, float], features=CONFIDENT) -> list[Candidate]:
    """One candidate per article, best first, each on its own passage row."""
    return [_candidate(_passage(article, row), ANSWERS[article.id], score, features)
            for row, (article, score) in enumerate(scored)]


def _ids(candidates) -> list[str]:
    return [c.passage.article.id for c in candidates]


# --- disagreeing() ---------------------------------------------------------------------------


def test_other_dates_with_other_answers_are_listed_newest_first():
    # The best is from May; a December and a 2021 article score within 90 % with other answers.
    leaders = _leaders((MAY, 1.0), (DECEMBER, 0.95), (LAST_YEAR, 0.91))
    assert _ids(disagreeing(WHO, leaders, settings=SETTINGS)) == ["dec", "may", "2021"]


def test_undated_rival_goes_last():
    leaders = _leaders((MAY, 1.0), (UNDATED, 0.95))
    assert _ids(disagreeing(WHO, leaders, settings=SETTINGS)) == ["may", "undated"]


def test_only_the_next_max_rivals_leaders_are_considered():
    leaders = _leaders((MAY, 1.0), (LAST_YEAR, 0.96), (DECEMBER, 0.95))
    assert _ids(disagreeing(WHO, leaders, settings=replace(SETTINGS, max_rivals=1))) == ["may", "2021"]


def test_same_date_gives_no_alternatives():
    leaders = _leaders((MAY, 1.0), (MAY_TOO, 0.99))
    assert disagreeing(WHO, leaders, settings=SETTINGS) == []


def test_same_answer_gives_no_alternatives_even_in_another_tone_mark_style_or_case():
    said_alike = _article("dec", "2022-12", "đại tá Nguyễn Văn Hoà là Cục trưởng.")
    first = _article("may", "2022-05", "Đại tá Nguyễn Văn Hòa là Cục trưởng.")
    leaders = [_candidate(_passage(first, 0), "Đại tá Nguyễn Văn Hòa", 1.0),
               _candidate(_passage(said_alike, 1), "đại tá Nguyễn Văn Hoà", 0.99)]
    assert disagreeing(WHO, leaders, settings=SETTINGS) == []


def test_rival_below_the_share_of_the_best_is_not_listed():
    assert disagreeing(WHO, _leaders((MAY, 1.0), (DECEMBER, 0.89)), settings=SETTINGS) == []
    # Exactly at the share still counts (0.75 × 1.0 is exact in binary).
    at_share = replace(SETTINGS, rival_share=0.75)
    assert _ids(disagreeing(WHO, _leaders((MAY, 1.0), (DECEMBER, 0.75)), settings=at_share)) == ["dec", "may"]
    assert disagreeing(WHO, _leaders((MAY, 1.0), (DECEMBER, 0.74)), settings=at_share) == []


@pytest.mark.parametrize("kind", ["who", "when", "where", "how_many"])
def test_kinds_whose_answer_changes_over_time_list_alternatives(kind):
    leaders = _leaders((MAY, 1.0), (DECEMBER, 0.95))
    assert _ids(disagreeing(replace(WHO, kind=kind), leaders, settings=SETTINGS)) == ["dec", "may"]


@pytest.mark.parametrize("kind", ["what", "why", "how", "position", "list", "other"])
def test_other_question_kinds_give_no_alternatives(kind):
    leaders = _leaders((MAY, 1.0), (DECEMBER, 0.95))
    assert disagreeing(replace(WHO, kind=kind), leaders, settings=SETTINGS) == []


def test_a_lone_leader_or_a_best_without_a_span_gives_no_alternatives():
    assert disagreeing(WHO, _leaders((MAY, 1.0)), settings=SETTINGS) == []
    spanless_best = [_candidate(_passage(MAY, 0), None, 1.0), *_leaders((DECEMBER, 0.95))]
    assert disagreeing(WHO, spanless_best, settings=SETTINGS) == []


def test_a_rival_without_a_span_is_not_listed():
    leaders = [*_leaders((MAY, 1.0)), _candidate(_passage(DECEMBER, 1), None, 0.95)]
    assert disagreeing(WHO, leaders, settings=SETTINGS) == []


# --- a time named in the question leads --------------------------------------------------------


def _naming(*times: AskedTime) -> Question:
    return replace(WHO, times=times)


def test_a_named_month_puts_its_article_first_though_another_is_newer():
    leaders = _leaders((DECEMBER, 1.0), (MAY, 0.95), (LAST_YEAR, 0.91))
    assert _ids(disagreeing(_naming(AskedTime(month=5)), leaders, settings=SETTINGS)) == ["may", "dec", "2021"]


def test_articles_of_the_named_time_come_newest_first_then_the_others_newest_first():
    leaders = _leaders((MAY, 1.0), (LAST_YEAR, 0.95), (DECEMBER, 0.92))
    assert _ids(disagreeing(_naming(AskedTime(2022)), leaders, settings=SETTINGS)) == ["dec", "may", "2021"]
    assert _ids(disagreeing(_naming(AskedTime(2021)), leaders, settings=SETTINGS)) == ["2021", "dec", "may"]
    # Either of two named times counts.
    both = _naming(AskedTime(2021), AskedTime(2022, 5))
    assert _ids(disagreeing(both, leaders, settings=SETTINGS)) == ["may", "2021", "dec"]


def test_a_named_time_no_article_has_leaves_newest_first():
    leaders = _leaders((MAY, 1.0), (LAST_YEAR, 0.95), (DECEMBER, 0.92))
    assert _ids(disagreeing(_naming(AskedTime(2020)), leaders, settings=SETTINGS)) == ["dec", "may", "2021"]


def test_an_undated_article_never_matches_a_named_time():
    leaders = _leaders((UNDATED, 1.0), (DECEMBER, 0.95), (MAY, 0.92))
    assert _ids(disagreeing(_naming(AskedTime(month=5)), leaders, settings=SETTINGS)) == ["may", "dec", "undated"]


# --- compose_answer() ------------------------------------------------------------------------


def test_confident_answer_is_the_best_span_and_its_article_is_cited_first():
    # Retrieval put December's passage first, but the reader's best sentence is May's.
    dec_passage, may_passage = _passage(DECEMBER, 0, score=0.9), _passage(MAY, 1, score=0.7)
    best = _candidate(may_passage, ANSWERS["may"], 1.0)
    other = _candidate(dec_passage, ANSWERS["dec"], 0.5)  # below 90 % of the best: no alternative
    answer = compose_answer(WHO, [dec_passage, may_passage], [best, other], calibration=CALIBRATION, k=5,
                            settings=SETTINGS)
    assert not answer.abstained
    assert answer.text == "Đại tá Nguyễn Văn An" and answer.sentence == "Đại tá Nguyễn Văn An là Cục trưởng."
    assert answer.confidence == pytest.approx(_sigmoid(2.0), abs=1e-4)
    assert answer.alternatives == ()
    assert [c.doc_id for c in answer.citations] == ["may", "dec"] and [c.number for c in answer.citations] == [1, 2]
    first = answer.citations[0]
    sentence_start = MAY.text.index("Đại tá Nguyễn Văn An là")
    assert (first.sentence_start, first.sentence_end) == (sentence_start, sentence_start + len(answer.sentence))
    assert (first.answer_start, first.answer_end) == (sentence_start, sentence_start + len("Đại tá Nguyễn Văn An"))
    assert MAY.text[first.start:first.end] == first.passage and first.score == pytest.approx(0.7)


def test_confidence_exactly_at_the_threshold_answers():
    passage = _passage(MAY, 0)
    answer = compose_answer(WHO, [passage], [_candidate(passage, ANSWERS["may"], 1.0, ON_THE_THRESHOLD)],
                            calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert not answer.abstained and answer.text == ANSWERS["may"] and answer.confidence == 0.5


def test_disagreeing_articles_answer_newest_first_with_the_others_as_alternatives():
    may_passage, dec_passage, old_passage = _passage(MAY, 0), _passage(DECEMBER, 1), _passage(LAST_YEAR, 2)
    candidates = [_candidate(may_passage, ANSWERS["may"], 1.0), _candidate(dec_passage, ANSWERS["dec"], 0.95),
                  _candidate(old_passage, ANSWERS["2021"], 0.92)]
    answer = compose_answer(WHO, [may_passage, dec_passage, old_passage], candidates, calibration=CALIBRATION, k=5,
                            settings=SETTINGS)
    assert answer.text == "Thiếu tướng Đỗ Triệu Phong"
    assert answer.alternatives == (Alternative("Đại tá Nguyễn Văn An", "2022-05", 2),
                                   Alternative("Đại tá Lê Văn Bình", "2021-03", 3))
    assert [c.doc_id for c in answer.citations] == ["dec", "may", "2021"]
    for citation, alternative in zip(answer.citations[1:], answer.alternatives):
        assert citation.number == alternative.citation and citation.date == alternative.date


def test_disagreeing_articles_answer_with_the_named_months_article_first():
    """"Ai là Cục trưởng tháng 5?": December's answer is newer and scored higher, May's leads."""
    question = analyse("Ai là Cục trưởng tháng 5?")
    assert question.kind == "who" and question.times == (AskedTime(month=5),)
    dec_passage, may_passage = _passage(DECEMBER, 0), _passage(MAY, 1)
    candidates = [_candidate(dec_passage, ANSWERS["dec"], 1.0), _candidate(may_passage, ANSWERS["may"], 0.95)]
    answer = compose_answer(question, [dec_passage, may_passage], candidates, calibration=CALIBRATION, k=5,
                            settings=SETTINGS)
    assert answer.text == "Đại tá Nguyễn Văn An" and answer.sentence == "Đại tá Nguyễn Văn An là Cục trưởng."
    assert answer.alternatives == (Alternative("Thiếu tướng Đỗ Triệu Phong", "2022-12", 2),)
    assert [c.doc_id for c in answer.citations] == ["may", "dec"]


def test_below_the_threshold_the_text_is_empty_but_the_citations_stay():
    may_passage, dec_passage = _passage(MAY, 0), _passage(DECEMBER, 1)
    candidates = [_candidate(may_passage, ANSWERS["may"], 1.0, UNSURE), _candidate(dec_passage, ANSWERS["dec"], 0.95, UNSURE)]
    answer = compose_answer(WHO, [dec_passage, may_passage], candidates, calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert answer.abstained and answer.text == "" and answer.resolved_date is None
    assert answer.confidence == pytest.approx(_sigmoid(-2.0), abs=1e-4)
    assert answer.alternatives == ()  # an abstention lists no answers of other dates either
    assert [c.doc_id for c in answer.citations] == ["may", "dec"]


def test_an_abstention_on_a_named_time_points_at_that_time_s_article():
    may_passage, dec_passage = _passage(MAY, 0), _passage(DECEMBER, 1)
    candidates = [_candidate(dec_passage, ANSWERS["dec"], 1.0, UNSURE), _candidate(may_passage, ANSWERS["may"], 0.95, UNSURE)]
    answer = compose_answer(_naming(AskedTime(month=5)), [dec_passage, may_passage], candidates, calibration=CALIBRATION,
                            k=5, settings=SETTINGS)
    assert answer.abstained and answer.text == "" and answer.alternatives == ()
    assert ANSWERS["may"] in answer.sentence
    assert [c.doc_id for c in answer.citations] == ["may", "dec"]


def test_one_citation_per_article_and_at_most_k():
    may_opening = _passage(MAY, 0, start=0, end=MAY.text.index(". ") + 1, score=0.9)
    may_whole = _passage(MAY, 1, score=0.8, index=1)
    dec_passage, old_passage = _passage(DECEMBER, 2, score=0.7), _passage(LAST_YEAR, 3, score=0.6)
    passages = [may_opening, dec_passage, may_whole, old_passage]
    candidates = [_candidate(dec_passage, ANSWERS["dec"], 1.0), _candidate(may_whole, ANSWERS["may"], 0.3)]

    answer = compose_answer(WHO, passages, candidates, calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert [c.doc_id for c in answer.citations] == ["dec", "may", "2021"]
    # May is cited with its first passage in retrieval order; its best sentence is in another
    # passage, so this citation carries no sentence: both offsets sit at the passage start.
    may = answer.citations[1]
    assert (may.start, may.end) == (may_opening.chunk.start, may_opening.chunk.end)
    assert may.sentence_start == may.sentence_end == may.start and may.answer_start is None

    two = compose_answer(WHO, passages, candidates, calibration=CALIBRATION, k=2, settings=SETTINGS)
    assert [c.doc_id for c in two.citations] == ["dec", "may"]


def test_no_candidates_abstains_and_cites_the_passages_in_retrieval_order():
    passages = [_passage(DECEMBER, 0, score=0.9), _passage(MAY, 1, score=0.8)]
    answer = compose_answer(WHO, passages, [], calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert answer.abstained and answer.text == "" and answer.confidence == 0.0
    assert [c.doc_id for c in answer.citations] == ["dec", "may"]
    assert all(c.answer_start is None and c.sentence_start == c.sentence_end == c.start for c in answer.citations)


# --- the trust label ---------------------------------------------------------------------------


@pytest.mark.parametrize(("features", "trust"), [(SURE, "answered"), (JUST_SURE, "answered"), (CONFIDENT, "unsure"),
                                                 (ON_THE_THRESHOLD, "unsure"), (UNSURE, "not_found")])
def test_the_trust_label_comes_from_the_calibration_and_not_found_is_exactly_abstention(features, trust):
    passage = _passage(MAY, 0)
    answer = compose_answer(WHO, [passage], [_candidate(passage, ANSWERS["may"], 1.0, features)],
                            calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert answer.trust == trust and answer.abstained == (trust == "not_found")
    assert answer.text == ("" if trust == "not_found" else ANSWERS["may"])
    assert answer.to_dict()["trust"] == trust


def test_an_unsure_answer_keeps_its_alternatives_and_citations():
    may_passage, dec_passage = _passage(MAY, 0), _passage(DECEMBER, 1)
    candidates = [_candidate(may_passage, ANSWERS["may"], 1.0, CONFIDENT), _candidate(dec_passage, ANSWERS["dec"], 0.95, CONFIDENT)]
    answer = compose_answer(WHO, [may_passage, dec_passage], candidates, calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert answer.trust == "unsure" and answer.text == ANSWERS["dec"]
    assert answer.alternatives == (Alternative(ANSWERS["may"], "2022-05", 2),)


def test_no_candidates_is_not_found():
    answer = compose_answer(WHO, [_passage(MAY, 0)], [], calibration=CALIBRATION, k=5, settings=SETTINGS)
    assert answer.trust == "not_found" and answer.abstained


HOW_MANY = Question(text="Có bao nhiêu người dự hội nghị?", language="vi", diacritics=True, kind="how_many", role_verbs=(),
                    unit=None)


@pytest.mark.parametrize(("sentence", "answer", "answered"), [
    ("Thứ trưởng Trần Quốc Tỏ phát biểu tại hội nghị.", "Trần Quốc Tỏ", False),
    ("Hội nghị có 250 đại biểu dự.", "250 đại biểu", True),
    ("Hội nghị có hai trăm đại biểu dự.", "hai trăm đại biểu", True),
    ("Đó là Liên hoan lần thứ XV.", "lần thứ XV", True),
])
def test_a_how_many_answer_that_writes_no_number_abstains_with_a_note(sentence, answer, answered):
    article = _article("count", "2022-12", sentence)
    candidate = _candidate(_passage(article, 0), answer, 0.9, SURE)
    result = compose_answer(HOW_MANY, [candidate.passage], [candidate], calibration=CALIBRATION, k=3)
    assert result.abstained is not answered
    assert result.text == ("" if not answered else answer)
    assert (result.trust == "not_found") is not answered
    assert any("con số" in note for note in result.notes) is not answered
    assert result.citations[0].doc_id == "count"
    who = compose_answer(WHO, [candidate.passage], [candidate], calibration=CALIBRATION, k=3)
    assert not who.abstained
