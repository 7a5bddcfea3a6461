"""Who-questions written from news sentences (bench/role_questions.py): the answer is the person
the sentence names as the verb's subject, copied at its offsets, and nothing else is asked."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from hypothesis import given, settings, strategies as st

from tests.conftest import REPO_ROOT

sys.path.append(str(REPO_ROOT / "bench"))

import role_questions  # noqa: E402

CHAIR = "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị tổng kết công tác năm 2022."
FILLER = ("Năm 2022, các đơn vị đã hoàn thành tốt nhiệm vụ được giao.", "Hội nghị diễn ra tại Hà Nội vào cuối tháng 12.",
          "Nhiều tập thể được khen thưởng vì thành tích xuất sắc.", "Công tác tuyên truyền được triển khai đồng bộ.")
NOT_A_PERSON = (
    "Tại thôn Quan Nhân đã chỉ đạo thành lập 9 tổ Covid-19 cộng đồng.",  # a place after a lower-case word
    "Cảnh sát Hàn Quốc cho biết họ muốn thẩm vấn bà Xiang.",  # a country
    "Ông Long cho biết ông cam kết không bán cổ phiếu.",  # "Ông" is no surname here
    "Sinh viên Nguyễn Văn Bình Minh đăng ký học phần mới.",  # "ký" inside "đăng ký"
    "Ông Ngô Văn Hoan ký túc xá ĐH Sư phạm.",  # "ký túc xá" is a dormitory
    "Bộ trưởng Trần Văn Sơn trao đổi với báo chí về dự án.",  # "trao đổi" is to discuss, not to award
    "Giám đốc Lê Thị Mai ký kết biên bản hợp tác với đối tác.",  # "ký kết": the question would ask "Ai ký kết …" with "kết" read as its object
)


def _rows(text: str, seed: int = 0) -> list[dict]:
    return role_questions.article_questions({"id": "a1", "text": text}, "test", random.Random(seed))


def test_the_chair_is_the_answer_of_every_question_the_sentence_gives():
    for seed in range(20):
        rows = [r for r in _rows(" ".join((*FILLER[:2], CHAIR, *FILLER[2:])), seed) if r["answers"]]
        assert len(rows) == 2, rows  # one from the verb, one from the office
        for row in rows:
            start = row["answer_starts"][0]
            assert row["answers"] == ["Đỗ Triệu Phong"] and row["context"][start:start + 14] == "Đỗ Triệu Phong"
            assert row["question"].endswith("?") and "Đỗ Triệu Phong" not in row["question"]
        verb_question, office_question = (r["question"] for r in rows)
        assert "Hội nghị tổng kết" in verb_question or "hội nghị tổng kết" in verb_question
        assert "Cục Truyền thông CAND" in office_question


def test_sentences_without_a_named_subject_give_no_question():
    for sentence in NOT_A_PERSON:
        assert _rows(" ".join((FILLER[0], sentence, FILLER[1]))) == [], sentence


def test_a_removed_twin_has_no_answer_and_no_trace_of_the_person():
    twins = [r for seed in range(40) for r in _rows(" ".join((*FILLER, CHAIR)), seed) if not r["answers"]]
    assert twins, "a share of questions is asked again over the passage without its sentence"
    for twin in twins:
        assert twin["is_impossible"] and twin["answer_starts"] == []
        assert "Đỗ" not in twin["context"] and "chủ trì" not in twin["context"] and FILLER[0] in twin["context"]
        # hard negatives drawn for the twin must not name the person either
        assert twin["plausible_answers"] == ["Đỗ Triệu Phong"]


def test_a_claim_opening_with_la_keeps_its_first_word():
    sentence = "Thứ trưởng Nguyễn Văn Hùng nhấn mạnh làm rõ trách nhiệm của từng đơn vị trong năm tới."
    questions = [r["question"] for seed in range(10) for r in _rows(" ".join((FILLER[0], sentence)), seed) if r["answers"]]
    assert questions and all("làm rõ trách nhiệm" in q for q in questions), questions


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from((*FILLER, CHAIR, *NOT_A_PERSON,
                                 "Ông Phạm Xuân Tiến, Phó giám đốc Sở GD&ĐT Hà Nội, cho biết danh mục sách đã được duyệt.",
                                 "Bộ trưởng Nguyễn Kim Sơn ký biên bản chuyển giao nhiệm vụ.")), max_size=8),
       st.integers(0, 1000))
def test_every_answer_is_copied_from_its_passage(sentences, seed):
    for row in _rows(" ".join(sentences), seed):
        for answer, start in zip(row["answers"], row["answer_starts"], strict=True):
            assert row["context"][start:start + len(answer)] == answer
        assert len(row["context"].split()) <= role_questions.PASSAGE_WORDS + 40


def test_held_out_articles_are_a_tenth_and_the_same_in_every_process():
    ids = [f"article-{n}" for n in range(2000)]
    chosen = [i for i in ids if role_questions.held_out(i)]
    assert 150 < len(chosen) < 250
    # another interpreter (another hash seed) must hold out the same articles, or training
    # and checking would overlap from one run to the next
    code = ("import sys; sys.path.insert(0, 'bench'); import role_questions; "
            f"print(sum(role_questions.held_out(f'article-{{n}}') for n in range(2000)), "
            f"[n for n in range(2000) if role_questions.held_out(f'article-{{n}}')][:20])")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    shown = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == f"{len(chosen)} {[int(i.split('-')[1]) for i in chosen][:20]}"
