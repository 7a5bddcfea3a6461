"""Follow-up questions: a question that leans on the previous turn is rewritten to stand alone."""

from __future__ import annotations

import pytest

from qa.answer.followup import PreviousTurn, Resolution, resolve

WHO = PreviousTurn("Ai chủ trì hội nghị tổng kết công tác năm 2022?",
                   "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND", "who")
WHEN = PreviousTurn("Cuộc gặp mặt diễn ra khi nào?", "Chiều 6.5", "when")
WHERE = PreviousTurn("Hội nghị tổng kết được tổ chức ở đâu?", "Hà Nội", "where")
COUNT = PreviousTurn("Cục Truyền thông CAND hợp tác với bao nhiêu cơ quan báo chí?", "8", "how_many")
ENGLISH = PreviousTurn("Who chaired the meeting with the eight press agencies?", "Mai Văn Hà", "who")


@pytest.mark.parametrize(("previous", "question", "expected", "rule"), [
    (WHO, "Còn hội nghị tháng 12 thì ai chủ trì?", "Ai chủ trì hội nghị tháng 12?", "contrast"),
    (WHO, "Còn hội nghị tháng 12 thì sao?", "Ai chủ trì hội nghị tháng 12?", "contrast"),
    (WHO, "Còn năm 2023?", "Ai chủ trì hội nghị tổng kết công tác năm 2023?", "contrast"),
    (WHEN, "Còn hội nghị tổng kết thì sao?", "Hội nghị tổng kết diễn ra khi nào?", "contrast"),
    (COUNT, "Còn năm 2023 thì sao?", "Cục Truyền thông CAND hợp tác với bao nhiêu cơ quan báo chí năm 2023?", "contrast"),
    (ENGLISH, "What about the December conference?", "Who chaired the December conference?", "contrast"),
    (WHO, "Ông ấy giữ chức vụ gì?", "Thiếu tướng Đỗ Triệu Phong giữ chức vụ gì?", "pronoun"),
    (WHO, "Hội nghị đó diễn ra ở đâu?", "Hội nghị tổng kết công tác năm 2022 diễn ra ở đâu?", "pronoun"),
    (ENGLISH, "What position does he hold?", "What position does Mai Văn Hà hold?", "pronoun"),
    (ENGLISH, "When was it held?", "When was the meeting with the eight press agencies held?", "pronoun"),
    (WHERE, "Khi nào?", "Hội nghị tổng kết được tổ chức khi nào?", "short"),
    (WHEN, "Ở đâu?", "Cuộc gặp mặt diễn ra ở đâu?", "short"),
    (COUNT, "Những cơ quan nào?", "Cục Truyền thông CAND hợp tác với những cơ quan nào?", "short"),
    (WHO, "Vậy ai chủ trì?", "Ai chủ trì hội nghị tổng kết công tác năm 2022?", "short"),
    (PreviousTurn("ai chu tri hoi nghi tong ket nam 2022", "Mai Văn Hà", "who"), "ong ay giu chuc vu gi",
     "Mai Văn Hà giu chuc vu gi?", "pronoun"),
])
def test_follow_ups_are_rewritten(previous, question, expected, rule):
    resolution = resolve(question, previous)
    assert (resolution.question, resolution.rule) == (expected, rule)


def test_pronoun_without_a_person_adds_the_previous_topic():
    abstained = PreviousTurn(WHO.question, "", "who")
    resolution = resolve("Ông ấy giữ chức vụ gì?", abstained)
    assert resolution.rewritten and "hội nghị tổng kết công tác năm 2022" in resolution.question


@pytest.mark.parametrize("question", [
    "Cuộc gặp mặt diễn ra khi nào?",
    "Cục mở rộng hợp tác với những cơ quan báo chí nào?",
    "Who chaired the meeting with the eight press agencies?",
    "Who is Hà?",
    "Thời tiết hôm nay thế nào?",
    "con duong nao dan toi ha noi?",  # unmarked "con" here is a noun, not "còn"
])
def test_standalone_questions_are_left_alone(question):
    assert resolve(question, WHO) == Resolution(question)


def test_first_question_is_never_rewritten():
    assert resolve("Ông ấy giữ chức vụ gì?", None) == Resolution("Ông ấy giữ chức vụ gì?")
