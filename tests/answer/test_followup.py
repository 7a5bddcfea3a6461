"""Follow-up questions: a question that leans on the previous turn is rewritten to stand alone."""

from __future__ import annotations

import pytest

from qa.answer.followup import PreviousTurn, Resolution, resolve
from qa.answer.question import analyse
from qa.answer.question_dates import AskedTime
from qa.ingest.text import has_diacritics

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


# --- times and languages ----------------------------------------------------------------------

MAY_VI = PreviousTurn("Ai chủ trì cuộc họp tháng 5?", "Trung tướng Mai Văn Hà, Cục trưởng Cục Truyền thông CAND", "who")
MAY_EN = PreviousTurn("Who chaired the meeting in May?", "Mai Văn Hà", "who")
DECEMBER_2022 = PreviousTurn("Ai chủ trì hội nghị tháng 12/2022?", "Thiếu tướng Đỗ Triệu Phong", "who")
UNMARKED = PreviousTurn("ai chu tri hoi nghi tong ket nam 2022", "Thiếu tướng Đỗ Triệu Phong", "who")


@pytest.mark.parametrize(("previous", "question", "expected", "rule"), [
    # a time said instead of the previous one, in the previous question's words
    (WHO, "Còn tháng 5?", "Ai chủ trì hội nghị tổng kết công tác tháng 5/2022?", "contrast"),
    (WHO, "Tháng 5 thì sao?", "Ai chủ trì hội nghị tổng kết công tác tháng 5/2022?", "contrast"),
    (DECEMBER_2022, "Còn năm 2023?", "Ai chủ trì hội nghị tháng 12/2023?", "contrast"),
    (UNMARKED, "nam 2023?", "Ai chu tri hoi nghi tong ket nam 2023?", "contrast"),
    (UNMARKED, "con nam 2023", "Ai chu tri hoi nghi tong ket nam 2023?", "contrast"),
    (DECEMBER_2022, "What about May?", "Ai chủ trì hội nghị tháng 5/2022?", "contrast"),  # "May", not "mấy"
    (DECEMBER_2022, "And in May?", "Ai chủ trì hội nghị tháng 5/2022?", "contrast"),
    (MAY_EN, "What about December?", "Who chaired the meeting in December?", "contrast"),
    (PreviousTurn("Who chaired the May meeting?", "Mai Văn Hà", "who"), "What about December?",
     "Who chaired the December meeting?", "contrast"),
    # a follow-up naming a time with its topic
    (WHO, "Còn cuộc họp tháng 5 thì sao?", "Ai chủ trì cuộc họp tháng 5?", "contrast"),
    # English after Vietnamese: the time and the event are said in English
    (MAY_VI, "Who attended?", "Who attended the meeting in May?", "short"),
    (MAY_VI, "When was it held?", "When was the meeting in May held?", "pronoun"),
    # Vietnamese after English, and the other way round for contrasts: the previous question's language
    (MAY_VI, "What about in December?", "Ai chủ trì cuộc họp tháng 12?", "contrast"),
    (MAY_VI, "And in December?", "Ai chủ trì cuộc họp tháng 12?", "contrast"),
    (MAY_VI, "What about the December conference?", "Ai chủ trì hội nghị tháng 12?", "contrast"),
    (MAY_EN, "Còn tháng 12?", "Who chaired the meeting in December?", "contrast"),
    (MAY_EN, "Còn hội nghị tháng 12 thì sao?", "Who chaired the conference in December?", "contrast"),
    (MAY_EN, "Ai chủ trì?", "Ai chủ trì cuộc họp tháng 5?", "short"),
    (MAY_EN, "ai chu tri?", "Ai chu tri cuoc hop thang 5?", "short"),
    (MAY_EN, "Hội nghị đó diễn ra ở đâu?", "Cuộc họp tháng 5 diễn ra ở đâu?", "pronoun"),
    # nothing of it can be said in the other language: asked as typed
    (MAY_VI, "What about the budget?", "What about the budget?", None),
])
def test_times_and_languages_in_rewrites(previous, question, expected, rule):
    resolution = resolve(question, previous)
    assert (resolution.question, resolution.rule) == (expected, rule)


@pytest.mark.parametrize("question", ["Who attended?", "When was it held?", "Where was it held?", "Who spoke?",
                                      "How many agencies took part?", "What about the budget?", "Who attended in December?"])
def test_an_english_follow_up_to_a_vietnamese_question_stays_english(question):
    rewritten = resolve(question, MAY_VI).question
    assert analyse(rewritten).language == "en" and not has_diacritics(rewritten), rewritten


@pytest.mark.parametrize("question", ["Ai chủ trì?", "Khi nào?", "Ở đâu?", "Còn hội nghị tháng 12 thì ai chủ trì?",
                                      "Ông ấy giữ chức vụ gì?"])
def test_a_vietnamese_follow_up_to_an_english_question_carries_no_english_words(question):
    rewritten = resolve(question, MAY_EN).question
    assert analyse(rewritten).language == "vi", rewritten
    assert not {"the", "meeting", "chaired", "in", "may"} & {w.lower().strip("?") for w in rewritten.split()}, rewritten


@pytest.mark.parametrize(("previous", "question", "named"), [
    (WHO, "Còn cuộc họp tháng 5 thì sao?", AskedTime(month=5)),
    (WHO, "Còn hội nghị tháng 12 thì ai chủ trì?", AskedTime(month=12)),
    (WHO, "Còn tháng 5?", AskedTime(2022, 5)),
    (MAY_VI, "And in December?", AskedTime(month=12)),
    (MAY_VI, "Who attended in December?", AskedTime(month=12)),
    (MAY_EN, "Còn tháng 12?", AskedTime(month=12)),
    (MAY_EN, "Ai chủ trì?", AskedTime(month=5)),  # the previous question's time, carried over
    (COUNT, "Còn năm 2023 thì sao?", AskedTime(2023)),
])
def test_the_time_a_follow_up_leans_on_is_in_the_rewritten_question(previous, question, named):
    assert analyse(resolve(question, previous).question).times == (named,)
