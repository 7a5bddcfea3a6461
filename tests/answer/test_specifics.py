"""The names and numbers a question pins down, and whether a passage holds them
(qa/answer/specifics.py): the check that tells "answers a question like this one" from
"answers this question"."""

from __future__ import annotations

from hypothesis import given, strategies as st

from qa.answer.question import analyse
from qa.answer.specifics import missing_specifics, question_specifics
from qa.ingest.corpus import ArticleDate
from qa.ingest.text import fold_accents

PASSAGE = ("Ngày 28/12, tại Quảng Ninh, Bộ Công an tổ chức Hội nghị tổng kết năm 2022. "
           "Thiếu tướng Đỗ Triệu Phong chủ trì Hội nghị.")


def _keys(question: str) -> set[tuple[str, ...]]:
    return set(question_specifics(analyse(question)))


def test_names_and_numbers_are_specifics_and_a_general_question_has_none():
    assert _keys("Ai chủ trì hội nghị tại Quảng Ninh năm 2022?") == {("quảng", "ninh"), ("2022",)}
    assert _keys("Ông Nguyễn Văn An sinh ngày 28/12 ở đâu?") == {("nguyễn", "văn", "an"), ("28",), ("12",)}
    assert _keys("Bệnh nhân được chẩn đoán bị bệnh gì?") == set()


def test_a_time_asked_is_held_by_an_article_of_that_date():
    asked = analyse("Ai chủ trì cuộc gặp mặt tháng 5/2022 tại Hà Nội?")
    specifics = question_specifics(asked)
    report = "Chiều 6.5, tại Hà Nội, Cục Truyền thông CAND tổ chức cuộc gặp mặt."  # never prints 2022
    assert missing_specifics(asked, specifics, report) == 1 / 3
    assert missing_specifics(asked, specifics, report, published=ArticleDate(2022, 5)) == 0.0
    assert missing_specifics(asked, specifics, report, published=ArticleDate(2021, 5)) == 1 / 3


def test_english_questions_keep_numbers_and_vietnamese_names_only():
    assert _keys("Who chaired the meeting of the Ministry of Public Security in Quảng Ninh in 2022?") == {
        ("quảng", "ninh"), ("2022",)}
    assert _keys("Did General Tô Lâm visit Quảng Ninh Province?") == {("tô", "lâm"), ("quảng", "ninh")}


def test_a_sentence_start_is_no_name_and_a_word_with_digits_breaks_a_run():
    assert _keys("Hội nghị ở Quảng Ninh. Ai chủ trì?") == {("quảng", "ninh")}
    assert _keys("Xe Vinfast VF8 Plus giá bao nhiêu?") == {("vinfast",), ("vf8",), ("plus",)}


def test_a_passage_about_another_place_or_year_misses_them_and_the_own_passage_does_not():
    asked = analyse("Ai chủ trì hội nghị tại Quảng Ninh năm 2022?")
    specifics = question_specifics(asked)
    assert missing_specifics(asked, specifics, PASSAGE) == 0.0
    assert missing_specifics(asked, specifics, PASSAGE.replace("Quảng Ninh", "Hà Nội")) == 0.5
    assert missing_specifics(asked, specifics, PASSAGE.replace("Quảng Ninh", "Hà Nội").replace("2022", "2021")) == 1.0


def test_a_name_must_appear_whole_not_syllable_by_syllable():
    asked = analyse("Ai chủ trì hội nghị tại Quảng Ninh?")
    assert missing_specifics(asked, question_specifics(asked), "Quảng Nam và Ninh Bình họp bàn.") == 1.0


def test_bare_questions_match_the_marked_passage_and_tone_mark_conventions_agree():
    bare = analyse("ai chu tri hoi nghi tai Quang Ninh nam 2022")
    assert missing_specifics(bare, question_specifics(bare), PASSAGE) == 0.0
    old_style = analyse("Ai làm việc ở Thanh Hoá?")
    assert missing_specifics(old_style, question_specifics(old_style), "Đoàn công tác đến Thanh Hóa.") == 0.0


_WORDS = ("Quảng", "Ninh", "Hà", "Nội", "Ông", "Tô", "Lâm", "VF8", "28/12", "2022", "118-KH/ĐUCA", "ai", "chủ", "trì",
          "Province", "Mr", "who", "chaired", "hội", "nghị")
_GAPS = (" ", "  ", ", ", ". ", "? ", "-", "\n")


@given(st.one_of(st.text(max_size=80),
                 st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_GAPS)), max_size=14).map(
                     lambda pairs: "".join(w + g for w, g in pairs))))
def test_the_question_itself_holds_every_specific_and_an_empty_passage_none(text):
    asked = analyse(text)
    specifics = question_specifics(asked)
    assert missing_specifics(asked, specifics, "") == (1.0 if specifics else 0.0)
    assert missing_specifics(asked, specifics, text) == 0.0
    assert missing_specifics(asked, specifics, fold_accents(text) + " " + text) == 0.0
