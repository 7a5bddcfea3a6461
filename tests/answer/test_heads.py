"""'Who heads X?' read as the title that heads X."""

from __future__ import annotations

import pytest

from qa.answer.heads import as_searched, with_head_titles
from qa.answer.question import analyse

PASSAGES = ["Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị.",
            "Ông Nguyễn Văn An, Tổng giám đốc Công ty Điện lực, phát biểu."]


@pytest.mark.parametrize(("question", "read"), [
    ("Người đứng đầu Cục Truyền thông CAND là ai?", "Cục trưởng Cục Truyền thông CAND là ai?"),
    ("Ai đứng đầu Cục Truyền thông CAND?", "Ai là Cục trưởng Cục Truyền thông CAND?"),
    ("Ai là người đứng đầu Sở Y tế Hà Nội?", "Ai là Giám đốc Sở Y tế Hà Nội?"),
    ("Ai lãnh đạo Tổng cục Thuế?", "Ai là Tổng cục trưởng Tổng cục Thuế?"),
    ("Lãnh đạo cao nhất của Bộ Công an là ai?", "Bộ trưởng Bộ Công an là ai?"),
    ("Ai đứng đầu UBND tỉnh Quảng Ninh?", "Ai là Chủ tịch UBND tỉnh Quảng Ninh?"),
    # typed bare, the phrase and the body are matched folded, and the title stays bare
    ("nguoi dung dau cuc truyen thong cand la ai", "Cuc truong cuc truyen thong cand la ai"),
    ("Ai dung dau UBND Q.10?", "Ai la Chu tich UBND Q.10?"),
    # of a body's several head titles, the one the passages write
    ("Ai đứng đầu Công ty Điện lực?", "Ai là Tổng giám đốc Công ty Điện lực?"),
    # no body after the phrase: "đứng đầu" ranks first, "lãnh đạo Cục" is the Cục's leaders
    ("Tỉnh nào đứng đầu cả nước về xuất khẩu?", "Tỉnh nào đứng đầu cả nước về xuất khẩu?"),
    ("Đại diện lãnh đạo Cục là ai?", "Đại diện lãnh đạo Cục là ai?"),
    ("Hai lãnh đạo Cục được tặng Bằng khen là ai?", "Hai lãnh đạo Cục được tặng Bằng khen là ai?"),
    # folded, "thủ trưởng" (the head) is "thứ trưởng" (a deputy): neither is read as a head phrase
    ("Vị Thứ trưởng Bộ Công an nào dự hội nghị?", "Vị Thứ trưởng Bộ Công an nào dự hội nghị?"),
    # a body is matched as spelled when it has diacritics: "Đại hội" folds like "Đài" but is none
    ("Ai là người đứng đầu Đại hội thể thao?", "Ai là người đứng đầu Đại hội thể thao?"),
    ("Người đứng đầu Đại sứ quán Việt Nam là ai?", "Đại sứ Đại sứ quán Việt Nam là ai?"),
    # heading as a verb takes "là"
    ("Đơn vị nào đứng đầu Ban Chỉ đạo?", "Đơn vị nào là Trưởng ban Ban Chỉ đạo?"),
])
def test_a_vietnamese_head_phrase_is_read_as_the_title_of_the_body_it_names(question, read):
    assert with_head_titles(question, PASSAGES, english=False) == read


@pytest.mark.parametrize(("question", "read"), [
    ("Who heads the CAND Communications Department?", "Who is the Cục trưởng of the CAND Communications Department?"),
    ("Who is the head of the Ministry of Public Security?", "Who is the Bộ trưởng of the Ministry of Public Security?"),
    ("Who is in charge of the Quang Ninh police?", "Who is the Giám đốc of the Quang Ninh police?"),
    ("Who heads the People's Committee of Hanoi?", "Who is the Chủ tịch of the People's Committee of Hanoi?"),
    ("Who led the delegation?", "Who is the Trưởng đoàn of the delegation?"),
    # leading a meeting is chairing it, not heading a body
    ("Who led the meeting with the press agencies?", "Who led the meeting with the press agencies?"),
])
def test_an_english_head_phrase_is_read_as_the_title_of_the_body_it_names(question, read):
    assert with_head_titles(question, PASSAGES, english=True) == read


def test_retrieval_looks_for_the_commonest_head_title_before_any_passage_is_found():
    assert as_searched(analyse("Ai đứng đầu Công ty Điện lực?")) == "Ai là Giám đốc Công ty Điện lực?"
    assert as_searched(analyse("Who heads the CAND Communications Department?")) == (
        "Who is the Cục trưởng of the CAND Communications Department?")
    assert as_searched(analyse("Ai chủ trì hội nghị?")) == "Ai chủ trì hội nghị?"


@pytest.mark.slow
@pytest.mark.parametrize("question", ["Ai đứng đầu Cục Truyền thông CAND?", "Người đứng đầu Cục Truyền thông CAND là ai?",
                                      "Who heads the CAND Communications Department?"])
def test_who_heads_the_department_is_answered_with_a_person_the_sample_names_its_director(question):
    """The sample names two directors of the department (Cục trưởng), one per article; a head
    question asked of it is answered with one of them, and not with the Deputy Minister who
    spoke beside them."""
    from qa.assistant import default_assistant

    answer = default_assistant(reader="neural").ask(question)
    assert not answer.abstained
    assert answer.text in ("Đỗ Triệu Phong", "Mai Văn Hà", "Thiếu tướng Đỗ Triệu Phong", "Trung tướng Mai Văn Hà")
