"""The wording of an answer: the trust label first, an unsure answer as a possibility beside the
closest passages, the percentage last. Answers are built by hand; no model runs."""

from __future__ import annotations

import pytest

from qa.answer.render import answer_lines
from qa.answer.types import Alternative, Answer, Citation

SENTENCE = "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị."
PERSON = "Thiếu tướng Đỗ Triệu Phong"


def _citation(number: int, date: str = "2022-12") -> Citation:
    return Citation(number=number, doc_id=f"d{number}", title=f"Tin {number}", date=date, source="cand", url=None,
                    passage=SENTENCE, start=0, end=len(SENTENCE), sentence_start=0, sentence_end=len(SENTENCE), score=0.5)


def _answer(trust: str, *, text: str = PERSON, alternatives: tuple[Alternative, ...] = (), citations: int = 2) -> Answer:
    abstained = trust == "not_found"
    return Answer(question="Ai chủ trì hội nghị?", text="" if abstained else text, sentence=SENTENCE, abstained=abstained,
                  confidence=0.56, citations=tuple(_citation(i + 1) for i in range(citations)), question_type="who",
                  alternatives=alternatives, trust=trust)


@pytest.mark.parametrize(("trust", "label"), [("answered", "Trả lời (answered)"), ("unsure", "Chưa chắc chắn (not sure)"),
                                              ("not_found", "Không tìm thấy (not found)")])
def test_the_label_is_the_first_line_vietnamese_first_with_english(trust, label):
    view = answer_lines(_answer(trust))
    assert view.trust == trust and view.label == label
    assert _answer(trust).markdown().splitlines()[0] == f"**{label}**"


def test_an_answered_answer_is_stated_as_a_fact_without_offering_other_passages():
    view = answer_lines(_answer("answered"))
    assert view.found and view.hedge == "" and not view.closest
    markdown = _answer("answered").markdown()
    assert f"**{PERSON}** [1]" in markdown and "closest passages" not in markdown and "possibly" not in markdown


def test_an_unsure_answer_is_a_possibility_shown_with_the_closest_passages():
    view = answer_lines(_answer("unsure"))
    assert view.found and view.hedge.startswith("Có thể là") and view.closest
    markdown = _answer("unsure").markdown()
    assert f"Có thể là (possibly): {PERSON} [1]" in markdown
    assert f"**{PERSON}**" not in markdown  # never in bold, the way a fact is shown
    assert "Đoạn gần nhất / closest passages:" in markdown and "[2] Tin 2" in markdown


def test_an_unsure_disagreement_lists_each_date_as_a_possibility():
    alternatives = (Alternative("Đại tá Nguyễn Văn An", "2022-05", 2),)
    markdown = _answer("unsure", alternatives=alternatives).markdown()
    assert "Có thể là (possibly):" in markdown and "articles disagree" in markdown
    assert f"- Bài ngày 2022-12: {PERSON} [1]" in markdown and "**Đại tá" not in markdown


def test_not_found_says_so_and_offers_the_closest_passages_only_when_there_are_some():
    view = answer_lines(_answer("not_found"))
    assert not view.found and view.text == "" and view.closest
    assert "No answer found in the articles." in _answer("not_found").markdown()
    assert not answer_lines(_answer("not_found", citations=0)).closest


def test_the_percentage_comes_after_the_answer_and_says_what_it_measures():
    lines = _answer("answered").markdown().splitlines()
    percentage = next(i for i, line in enumerate(lines) if "56%" in line)
    answer_line = next(i for i, line in enumerate(lines) if PERSON in line)
    assert answer_line < percentage and "chance the articles hold an answer" in lines[percentage]


def test_an_answer_built_without_a_label_takes_it_from_abstention():
    built = Answer(question="q", text="x", sentence="x", abstained=False, confidence=0.9, citations=())
    assert built.trust == "answered"
    assert Answer(question="q", text="", sentence="", abstained=True, confidence=0.1, citations=()).trust == "not_found"


@pytest.mark.parametrize(("trust", "abstained"), [("not_found", False), ("answered", True), ("unsure", True), ("sure", False)])
def test_a_label_that_contradicts_abstention_or_is_unknown_is_refused(trust, abstained):
    with pytest.raises(ValueError, match="trust"):
        Answer(question="q", text="", sentence="", abstained=abstained, confidence=0.5, citations=(), trust=trust)
