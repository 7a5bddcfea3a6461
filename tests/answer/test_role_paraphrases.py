"""Chairing said in other words is read as the articles write it, before an event only."""

from __future__ import annotations

import pytest

from qa.answer.heads import as_searched
from qa.answer.question import analyse
from qa.answer.role_paraphrases import with_chairing_as_written


@pytest.mark.parametrize(("question", "read"), [
    ("Ai điều hành hội nghị tổng kết năm 2022?", "Ai chủ trì hội nghị tổng kết năm 2022?"),
    ("Ai làm chủ tọa cuộc họp?", "Ai chủ trì cuộc họp?"),
    ("Người dẫn dắt các buổi gặp mặt là ai?", "Người chủ trì các buổi gặp mặt là ai?"),
    ("ai dieu hanh hoi nghi tong ket", "ai chu tri hoi nghi tong ket"),  # bare stays bare
    ("Ai ĐIỀU HÀNH Hội nghị?", "Ai chủ trì Hội nghị?"),
    # running a company, or controlling a vehicle, is no chairing
    ("Ai điều hành công ty?", "Ai điều hành công ty?"),
    ("Ai điều khiển xe?", "Ai điều khiển xe?"),
])
def test_chairing_an_event_is_read_as_chu_tri(question, read):
    assert with_chairing_as_written(question) == read


def test_search_and_the_role_asked_take_the_articles_word():
    question = analyse("Ai điều hành hội nghị tổng kết?")
    assert as_searched(question) == "Ai chủ trì hội nghị tổng kết?"
    assert question.role_verbs == ("chủ trì",)
    assert analyse("Ai điều hành công ty?").role_verbs == ()
    assert analyse("Who ran the year-end conference?").role_verbs == ("chủ trì",)
    assert analyse("Who led the team to victory?").role_verbs == ()
