"""A time named in a question chooses the article that answers, end to end through ``ask()`` and
the real default model.

The sample corpus holds a meeting of May 2022 chaired by Trung tướng Mai Văn Hà and the
year-end conference of December 2022 chaired by Thiếu tướng Đỗ Triệu Phong. A made-up article
of December 2023, in which Thiếu tướng Nguyễn Quang Minh chairs the next year-end conference, is
then added to a copy of the corpus indexed in a temporary ``QA_EMBEDDINGS_DIR``: the newer article
must not answer a question about 2022. Expected answers are read from the articles.
"""

from __future__ import annotations

import pytest

from qa.answer.followup import PreviousTurn, resolve
from qa.assistant import Assistant, default_assistant

MAY_MEETING, YEAR_END_2022, YEAR_END_2023 = "000_c157938d51d7c814", "004_c3cdf694cfdd003e", "review-2023"
HA, PHONG, MINH = "Mai Văn Hà", "Đỗ Triệu Phong", "Nguyễn Quang Minh"

REVIEW_2023 = """ date 2023-12 Ngày 27/12, tại Hà Nội, Cục Truyền thông Công an nhân dân (CAND) tổ chức Hội nghị tổng kết công tác năm 2023, triển khai công tác năm 2024. Thiếu tướng Nguyễn Quang Minh, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị.

Năm 2023, Cục Truyền thông CAND đã bám sát chủ trương, định hướng tuyên truyền của Đảng ủy Công an Trung ương và Bộ Công an; thực hiện tốt công tác thông tin, tuyên truyền, xuất bản, điện ảnh, góp phần định hướng dư luận.

Cục đã phối hợp với 12 cơ quan báo chí ngoài CAND tuyên truyền về các chủ trương lớn của Bộ Công an, nhất là Đề án 06 và việc cấp căn cước cho người dân; sản xuất nhiều phim tài liệu, phóng sự về lực lượng CAND.

Tại hội nghị, đại diện lãnh đạo các đơn vị trực thuộc Cục đánh giá những kết quả nổi bật, chỉ ra những tồn tại, hạn chế và đề xuất giải pháp cho năm 2024.

Phát biểu kết luận, Thiếu tướng Nguyễn Quang Minh yêu cầu các đơn vị tiếp tục đổi mới nội dung, hình thức tuyên truyền, đẩy mạnh chuyển đổi số, xây dựng tòa soạn hội tụ và tăng cường đoàn kết nội bộ.

Dịp này, Thiếu tướng Nguyễn Quang Minh phát động phong trào thi đua "Vì an ninh Tổ quốc" năm 2024 và trao Bằng khen của Bộ Công an cho các tập thể, cá nhân có thành tích xuất sắc.
"""


@pytest.fixture(scope="module")
def sample() -> Assistant:
    return default_assistant(reader="rules")


@pytest.fixture(scope="module")
def with_2023(sample, sample_dir, tmp_path_factory) -> Assistant:
    """The sample articles and the 2023 one, indexed by name in a throwaway embeddings folder."""
    home = tmp_path_factory.mktemp("named-times")
    article = home / "review-2023.txt"
    article.write_text(REVIEW_2023, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QA_EMBEDDINGS_DIR", str(home / "embeddings"))
        assistant = Assistant.build([sample_dir, article], "with-2023", embedder=sample.embedder, reader="rules")
        assert assistant.index.path.is_relative_to(home)
        yield assistant


def _assert_answers(assistant: Assistant, question: str, person: str, doc_id: str) -> None:
    """The named time picks the article and the sentence; whether the confidence clears the
    threshold is the calibration's business, so an abstention must still point there."""
    answer = assistant.ask(question)
    assert person in (answer.sentence if answer.abstained else answer.text), (question, answer.text, answer.alternatives)
    assert answer.citations[0].doc_id == doc_id, question


@pytest.mark.parametrize(("question", "person", "doc_id"), [
    ("Ai chủ trì cuộc họp tháng 5?", HA, MAY_MEETING),
    ("Ai chủ trì hội nghị tháng 12?", PHONG, YEAR_END_2022),
    ("ai chu tri cuoc hop thang 5", HA, MAY_MEETING),
    ("ai chu tri hoi nghi thang 12", PHONG, YEAR_END_2022),
    ("Ai chủ trì cuộc họp hôm 6.5?", HA, MAY_MEETING),
    ("Ai chủ trì hội nghị ngày 28/12?", PHONG, YEAR_END_2022),
])
def test_the_named_month_chooses_the_sample_article(sample, question, person, doc_id):
    _assert_answers(sample, question, person, doc_id)


@pytest.mark.parametrize(("question", "doc_id"), [
    ("Who chaired the meeting in May?", MAY_MEETING),
    ("Who chaired the meeting in May 2022?", MAY_MEETING),
    ("Who chaired the conference in December 2022?", YEAR_END_2022),
])
def test_an_english_named_month_retrieves_that_months_article_first(sample, question, doc_id):
    """Retrieval only: which sentence answers an English question is the reader's weaker part."""
    assert sample.pipeline.retriever.search(question, k=1)[0].article.id == doc_id


@pytest.mark.parametrize(("question", "person", "doc_id"), [
    ("Ai chủ trì hội nghị tổng kết năm 2022?", PHONG, YEAR_END_2022),
    ("Ai chủ trì hội nghị tổng kết năm 2023?", MINH, YEAR_END_2023),
    ("Ai chủ trì hội nghị tháng 12/2022?", PHONG, YEAR_END_2022),
    ("Ai chủ trì hội nghị tháng 12/2023?", MINH, YEAR_END_2023),
    ("ai chu tri hoi nghi tong ket nam 2022", PHONG, YEAR_END_2022),
    ("ai chu tri hoi nghi tong ket nam 2023", MINH, YEAR_END_2023),
    ("Ai chủ trì cuộc họp tháng 5?", HA, MAY_MEETING),
])
def test_a_newer_article_does_not_answer_for_an_older_year(with_2023, question, person, doc_id):
    _assert_answers(with_2023, question, person, doc_id)


def test_a_follow_up_carries_its_time_into_the_question_asked(sample, with_2023):
    first = PreviousTurn("Ai chủ trì hội nghị tổng kết năm 2022?", "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND",
                         "who")
    next_year = resolve("Còn năm 2023?", first)
    assert next_year.question == "Ai chủ trì hội nghị tổng kết năm 2023?"
    _assert_answers(with_2023, next_year.question, MINH, YEAR_END_2023)
    may = resolve("Còn cuộc họp tháng 5 thì sao?", first)
    assert may.question == "Ai chủ trì cuộc họp tháng 5?"
    _assert_answers(sample, may.question, HA, MAY_MEETING)
