"""Questions made unanswerable by changing a number or a name (bench/changed_specifics.py): the
calibration learns abstention from them, so the changed value must be one the article never
writes, and the rest of the question must stay as it was."""

from __future__ import annotations

import random
import sys

from hypothesis import given, settings, strategies as st

from qa.ingest.text import fold_accents
from tests.conftest import REPO_ROOT

sys.path.append(str(REPO_ROOT / "bench"))

from changed_specifics import change_a_specific, name_pool, names  # noqa: E402

ARTICLE = ("Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị tổng kết công tác năm 2022. "
           "Hội nghị diễn ra tại Hà Nội; năm 2023 đơn vị phát động phong trào thi đua. Năm 2024 sẽ có 3 đề án.")
POOL = ["Hà Nội", "Quảng Ninh", "Đà Nẵng", "Nguyễn Văn An", "Lê Thị Mai", "Huế"]


def test_a_year_moves_to_one_the_article_never_writes():
    changed = change_a_specific("Ai chủ trì hội nghị tổng kết năm 2022?", ARTICLE, POOL, random.Random(1))
    year = changed.removeprefix("Ai chủ trì hội nghị tổng kết năm ").removesuffix("?")
    assert year in {"2019", "2020", "2021", "2025"}  # 2023 and 2024 are written


def test_the_last_name_not_opening_the_question_is_replaced_by_one_of_as_many_words_the_article_lacks():
    question = "Hội nghị của Cục Truyền thông CAND diễn ra ở Hà Nội?"
    assert [question[s:e] for s, e in names(question)] == ["Cục Truyền", "CAND", "Hà Nội"]
    kept = "Hội nghị của Cục Truyền thông CAND diễn ra ở "
    for seed in range(10):
        changed = change_a_specific(question, ARTICLE, POOL, random.Random(seed))
        assert changed.startswith(kept) and changed.endswith("?")
        assert changed[len(kept):-1] in {"Quảng Ninh", "Đà Nẵng"}


def test_a_name_with_a_one_letter_word_is_part_of_a_longer_name_and_left_alone():
    assert names("Theo chuyên gia Bộ Y tế, bệnh lây thế nào?") == []


def test_a_question_with_neither_a_number_nor_a_name_is_left_out():
    assert change_a_specific("Bệnh nhân được chẩn đoán bị bệnh gì?", ARTICLE, POOL, random.Random(0)) is None


@settings(max_examples=60, deadline=None)
@given(number=st.integers(min_value=1, max_value=3000), seed=st.integers(min_value=0, max_value=10**6))
def test_a_changed_number_is_never_one_the_article_writes(number, seed):
    article = f"Năm nay có {number} ca bệnh, {number + 1} người khỏi và {number + 2} người đang điều trị."
    changed = change_a_specific(f"Có bao nhiêu ca bệnh, theo báo cáo số {number}?", article, POOL, random.Random(seed))
    if changed is not None:
        new = changed.rsplit(" ", 1)[1].removesuffix("?")
        assert new.isdigit() and new not in {str(number), str(number + 1), str(number + 2)}


def test_a_name_is_compared_without_accents_or_case():
    article = "Đoàn công tác làm việc tại QUANG NINH và Da Nang."
    question = "Đoàn công tác làm việc ở Huế thế nào?"
    pool = ["Quảng Ninh", "Đà Nẵng", "Lê Thị Mai"]
    for seed in range(10):
        changed = change_a_specific(question, article, pool, random.Random(seed))
        assert changed == "Đoàn công tác làm việc ở Lê Thị Mai thế nào?"
    assert fold_accents("Quảng Ninh").lower() in fold_accents(article).lower()


def test_the_pool_holds_each_name_once_in_order_of_first_use():
    assert name_pool(["Ai ở Hà Nội và Huế?", "Người Huế nói gì ở Đà Nẵng?"]) == ["Hà Nội", "Huế", "Đà Nẵng"]
