"""English names of Vietnamese bodies put as the articles print them."""

from __future__ import annotations

import pytest

from qa.answer.english_bodies import with_bodies_in_vietnamese, with_fields_held

PASSAGES = ["Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị."]


@pytest.mark.parametrize(("english", "read"), [
    # the kind first, then the field, in either English order
    ("Who heads the Ministry of Health?", "Who heads the Bộ Y tế?"),
    ("What did the Health Ministry say?", "What did the Bộ Y tế say?"),
    ("Who runs the General Department of Taxation?", "Who runs the Tổng cục Thuế?"),
    ("What did the Ministry of Labour, Invalids and Social Affairs propose?",
     "What did the Bộ Lao động - Thương binh và Xã hội propose?"),
    # the longer field wins: "information and communications" is not "communications"
    ("Who leads the Ministry of Information and Communications?", "Who leads the Bộ Thông tin và Truyền thông?"),
    # a minister is named by the field of the ministry; the office stays for the English terms
    ("Who is the Minister of Health?", "Who is the Minister Bộ Y tế?"),
    ("Who is the Deputy Minister of Public Security?", "Who is the Deputy Minister Bộ Công an?"),
    ("Who is the Prime Minister of Japan?", "Who is the Prime Minister of Japan?"),
    # a name before the body follows it, as Vietnamese writes it; a word that starts the question does not
    ("Who was Director of the CAND Communications Department?", "Who was Director of the Cục Truyền thông CAND?"),
    ("Who leads the Quang Ninh Department of Education and Training?",
     "Who leads the Sở Giáo dục và Đào tạo Quang Ninh?"),
    ("The Hanoi Department of Health said what?", "The Sở Y tế Hanoi said what?"),
    # a department is the kind the passages write with its field: a Cục here, a Sở by default
    ("Who heads the Communications Department?", "Who heads the Cục Truyền thông?"),
    ("Who heads the Department of Health?", "Who heads the Sở Y tế?"),
    # no field, no body: "the department" stays as typed
    ("Who is the director of the department?", "Who is the director of the department?"),
    ("Which department handles tax?", "Which department handles tax?"),
])
def test_an_english_body_is_put_as_the_articles_print_it(english, read):
    assert with_bodies_in_vietnamese(english, PASSAGES) == read


def test_only_the_field_of_a_body_is_held_whatever_kind_it_reads_as():
    held = with_fields_held("Who is the Minister of Health in the Hanoi Department of Health?", lambda field: f"<{field}>")
    assert held == "Who is the Minister <Y tế> in the <Y tế> Hanoi?"
