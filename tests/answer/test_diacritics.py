"""Diacritics put back into questions typed without them, from the passages they are read against."""

from __future__ import annotations

from hypothesis import given, strategies as st

from qa.answer.diacritics import restore_diacritics
from qa.ingest.text import fold_accents

PASSAGE = ("Ngày 28/12, tại Hà Nội, Cục Truyền thông CAND tổ chức Hội nghị tổng kết công tác năm 2022. "
           "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị. Máy bay hạ cánh lúc 9 giờ.")


def test_words_take_the_passage_spelling_and_question_words_the_table():
    assert restore_diacritics("ai chu tri hoi nghi tong ket nam 2022?", [PASSAGE]) == "ai chủ trì hội nghị tổng kết năm 2022?"
    assert restore_diacritics("Co bao nhieu may bay ha canh?", [PASSAGE]).endswith("bao nhiêu máy bay hạ cánh?")
    assert restore_diacritics("Thieu tuong Do Trieu Phong giu chuc vu gi?", [PASSAGE]) == "Thiếu tướng Đỗ Triệu Phong giu chức vu gì?"  # "chức" of "tổ chức"; "giu", "vu" are nowhere


def test_a_question_word_is_not_taken_from_a_passage_word_of_the_same_letters():
    # "mấy" (how many) is the question word; the passage's "Máy" is another word, read only as "máy bay"
    assert restore_diacritics("may gio?", [PASSAGE]) == "mấy giờ?"


def test_a_question_phrase_is_spelled_before_a_longer_passage_run_that_overlaps_it():
    passage = "Cục đẩy mạnh hợp tác với báo chí và nhiều cơ quan thông tấn."
    restored = restore_diacritics("day manh hop tac voi bao nhieu co quan thong tan", [passage])
    assert restored == "đẩy mạnh hợp tác với bao nhiêu cơ quan thông tấn"


def test_without_passages_only_question_words_change():
    assert restore_diacritics("Ong ay o dau", []) == "Ong ay ở đâu"
    assert restore_diacritics("Hop mat vao buoi nao", []) == "Hop mat vào buổi nào"


@given(st.text(max_size=80), st.lists(st.text(max_size=120), max_size=3))
def test_restoring_only_adds_marks(question, passages):
    restored = restore_diacritics(question, passages)
    assert fold_accents(restored).lower() == fold_accents(question).lower()
