"""The clauses of a passage that say the role a who-question asks about."""

from __future__ import annotations

import pytest

from qa.answer.question import analyse
from qa.answer.role_clauses import asked_roles, role_clauses

# The sample's opening: two people of one event, a clause each.
OPENING = ("Ngày 28/12, tại Hà Nội, Cục Truyền thông CAND tổ chức Hội nghị tổng kết công tác năm 2022. "
           "Thượng tướng Trần Quốc Tỏ, Thứ trưởng Bộ Công an dự và chỉ đạo Hội nghị; "
           "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị.")


def _said(text: str, roles: tuple[str, ...]) -> list[str]:
    return [text[a:b].strip() for a, b in role_clauses(text, roles)]


def test_each_role_is_said_in_its_own_clause():
    attended, chaired = _said(OPENING, ("dự và chỉ đạo",)), _said(OPENING, ("chủ trì",))
    assert len(attended) == 1 and "Trần Quốc Tỏ" in attended[0] and "Đỗ Triệu Phong" not in attended[0]
    assert len(chaired) == 1 and "Đỗ Triệu Phong" in chaired[0] and "Trần Quốc Tỏ" not in chaired[0]
    assert _said(OPENING, ("phát biểu",)) == []


@pytest.mark.parametrize(("text", "roles", "said"), [
    ("Dự án do Sở Y tế lập. Ông An tham dự lễ khởi công.", ("dự",), ["Ông An tham dự lễ khởi công."]),
    ("Hai bên trao đổi kinh nghiệm; bà Lan trao quà cho các em.", ("trao",), ["bà Lan trao quà cho các em."]),
    # a full stop inside a date does not end a clause
    ("Chiều 6.5, Trung tướng Mai Văn Hà chủ trì cuộc gặp mặt.", ("chủ trì",),
     ["Chiều 6.5, Trung tướng Mai Văn Hà chủ trì cuộc gặp mặt."]),
    ("Hội nghị DO ÔNG BÌNH CHỦ TRÌ.", ("chủ trì",), ["Hội nghị DO ÔNG BÌNH CHỦ TRÌ."]),
])
def test_a_role_verb_is_a_whole_word_and_not_the_start_of_another(text, roles, said):
    assert _said(text, roles) == said


@pytest.mark.parametrize(("question", "roles"), [
    ("Ai dự và chỉ đạo Hội nghị tổng kết?", ("dự và chỉ đạo",)),
    ("Who attended and gave directions at the conference?", ("chỉ đạo", "dự")),
    ("ai chu tri hoi nghi tong ket nam 2022", ("chủ trì",)),
    ("Thứ trưởng nào dự hội nghị tổng kết?", ("dự",)),
    # typed bare, "du" may be "đủ": "Ai nói VFV có đủ cơ sở pháp lý?"
    ("Ai noi VFV co du co so phap ly", ()),
    # not a who-question, and roles that are no part at an event
    ("Hội nghị do ai chủ trì diễn ra khi nào?", ()),
    ("Ai cho biết số ca mắc giảm?", ()),
])
def test_the_roles_a_question_asks_about(question, roles):
    assert asked_roles(analyse(question)) == roles
