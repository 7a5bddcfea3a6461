"""When- and where-questions written from news sentences that open with their date
(bench/event_questions.py): the answer is the date (or place) the sentence opens with, copied at
its offsets, and sentences that tell of no event give no question."""

from __future__ import annotations

import random
import re
import sys

from hypothesis import given, settings, strategies as st

from tests.conftest import REPO_ROOT

sys.path.append(str(REPO_ROOT / "bench"))

import event_questions  # noqa: E402

MEETING = "Chiều 30-3, tại Hà Nội, Phó Thủ tướng Phạm Gia Khiêm đã chủ trì cuộc họp giao ban về phòng chống dịch cúm gia cầm."
CONFERENCE = "Ngày 28/12, Cục Truyền thông CAND đã tổ chức hội nghị tổng kết công tác năm 2022 tại trụ sở Bộ Công an."
FILLER = ("Năm 2022, các đơn vị đã hoàn thành tốt nhiệm vụ được giao.", "Nhiều tập thể được khen thưởng vì thành tích xuất sắc.",
          "Công tác tuyên truyền được triển khai đồng bộ.")
NO_EVENT = (
    "Ngày 23-1, chúng tôi đã tiếp xúc với một số nhân viên ở các cơ sở.",  # the writer
    "Sáng 28/4, giá vàng giảm mỗi chiều 100.000 đồng/lượng so với hôm qua.",  # a price
    "Ngày 1/10, trao đổi với Dân trí, ông Minh cho biết nhiều doanh nghiệp đã giải thể.",  # a clause without its subject
    "Trong ngày 5-6, nhiều tập thể được khen thưởng vì thành tích xuất sắc.",  # the date does not open the sentence
)


def _rows(text: str, seed: int = 0) -> list[dict]:
    return event_questions.article_questions({"id": "a1", "text": text}, "test", random.Random(seed))


def _day(text: str) -> str:
    return re.sub(r"[-/.]", "-", text)


def test_the_opening_date_and_place_answer_the_questions_the_sentence_gives():
    for seed in range(20):
        rows = [r for r in _rows(" ".join((FILLER[0], MEETING, *FILLER[1:])), seed) if r["answers"]]
        assert [r["kind"] for r in rows] == ["when", "where"], rows
        when, where = rows
        assert _day(when["answers"][0]) == "Chiều 30-3" and where["answers"] == ["Hà Nội"]
        for row in rows:
            start = row["answer_starts"][0]
            assert row["context"][start:start + len(row["answers"][0])] == row["answers"][0]
            assert row["question"].endswith("?") and "30" not in row["question"] and "Hà Nội" not in row["question"]
        assert "Phạm Gia Khiêm" in when["question"] or "cuộc họp giao ban" in when["question"].lower()


def test_an_organised_event_is_asked_about_by_its_name_in_some_questions():
    questions = [r["question"] for seed in range(30) for r in _rows(" ".join((FILLER[0], CONFERENCE)), seed) if r["answers"]]
    assert any(q.startswith("Hội nghị tổng kết") for q in questions), questions
    assert any("Cục Truyền thông CAND" in q for q in questions), questions


def test_the_date_is_written_with_every_separator_across_seeds():
    written = {_rows(CONFERENCE, seed)[0]["answers"][0] for seed in range(40)}
    assert written == {"Ngày 28/12", "Ngày 28-12", "Ngày 28.12"}


def test_sentences_that_tell_of_no_event_give_no_question():
    for sentence in NO_EVENT:
        assert _rows(" ".join((FILLER[0], sentence, FILLER[1]))) == [], sentence


def test_a_removed_twin_has_no_answer_and_no_trace_of_its_date():
    twins = [r for seed in range(40) for r in _rows(" ".join((*FILLER, CONFERENCE)), seed) if not r["answers"]]
    assert twins, "a share of questions is asked again over the passage without its sentence"
    for twin in twins:
        assert twin["is_impossible"] and twin["answer_starts"] == []
        assert "28" not in twin["context"] and FILLER[0] in twin["context"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from((*FILLER, MEETING, CONFERENCE, *NO_EVENT,
                                 "Sáng nay (25-4), Bộ Y tế công bố thêm 12 ca mắc mới tại Hà Nội.")), max_size=8),
       st.integers(0, 1000))
def test_every_answer_is_copied_from_its_passage(sentences, seed):
    for row in _rows(" ".join(sentences), seed):
        for answer, start in zip(row["answers"], row["answer_starts"], strict=True):
            assert row["context"][start:start + len(answer)] == answer
        assert row["question"].endswith("?") and not row["question"].startswith((" ", ","))


def test_a_count_is_asked_as_how_many_and_answered_by_the_number():
    sentence = "Cục Truyền thông CAND đã ký kết hợp tác với 8 cơ quan báo chí ngoài ngành công an."
    rows = [r for seed in range(60) for r in _rows(" ".join((FILLER[0], sentence)), seed)
            if r["kind"] == "how_many" and r["answers"]]
    assert rows, "a share of sentences with a count gives a how-many question"
    for row in rows:
        assert row["answers"] == ["8"] and "bao nhiêu cơ quan" in row["question"] and " 8 " not in row["question"]


def test_numbers_that_are_no_count_give_no_how_many_question():
    for sentence in ("Ngày 2 tháng 9, nhiều tập thể được khen thưởng vì thành tích xuất sắc.",  # a date
                     "Ông Minh sống ở phường 7 cùng gia đình từ nhiều năm nay.",  # a ward's number
                     "Tôi cho rằng cả 3 cô gái đều nói rất bình thường."):  # spoken, not reported
        assert not [r for seed in range(60) for r in _rows(sentence, seed)], sentence
    answers = {r["answers"][0] for seed in range(60) for r in _rows("Đội bóng ghi 2 bàn trong năm 2020 tại giải.", seed)
               if r["answers"]}
    assert answers == {"2"}, answers  # the count, never the year


def test_shortened_questions_never_end_inside_a_name():
    for seed in range(60):
        for row in _rows(MEETING, seed):
            assert not row["question"].rstrip("?").endswith(("Phạm", "Phạm Gia")), row["question"]


def test_a_clause_cut_after_a_dash_ends_on_a_word():
    rest = "Đảng ủy Bộ Lao động - Thương binh và Xã hội tổ chức hội nghị quán triệt nghị quyết của Trung ương."
    clauses = {event_questions._clause(rest, random.Random(seed)) for seed in range(300)}
    assert any(c.endswith("Lao động") for c in clauses)
    for clause in clauses:
        assert clause == clause.strip() and "  " not in clause and not clause.endswith(("-", "–")), clause
