"""What the span reader reads of each passage: the first whole, a later one only at its sentence
that says most of the question, with offsets that lead back into the chunk."""

from __future__ import annotations

import json

import pytest

from qa.answer.question import analyse
from qa.assistant import Assistant
from qa.models.span_reader import read_excerpts
from tests.support.hashing_embedder import HashingEmbedder

SAYS_IT = "Thiếu tướng Lê Văn Tâm chủ trì hội nghị sơ kết công tác phòng cháy năm 2023 tại Đà Nẵng."
ARTICLES = [
    {"id": "a", "title": "Hội nghị sơ kết công tác phòng cháy", "date": "2023-07-02",
     "text": "Sáng 1/7, Bộ Công an tổ chức hội nghị sơ kết công tác phòng cháy năm 2023. "
             "Hội nghị chỉ ra nhiều tồn tại trong công tác phòng cháy ở các khu dân cư."},
    {"id": "b", "title": "Miền Trung chuẩn bị mùa mưa bão", "date": "2023-07-03",
     "text": "Các tỉnh miền Trung gia cố đê điều trước mùa mưa bão. "
             f"{SAYS_IT} "
             "Lực lượng cứu hộ được tập huấn kỹ năng sơ cứu cho người dân vùng ven biển."},
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    folder = tmp_path_factory.mktemp("excerpts")
    corpus = folder / "articles.jsonl"
    corpus.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    return Assistant.build([corpus], folder / "index", embedder=HashingEmbedder(), reader="rules")


@pytest.mark.parametrize("typed", ["Ai chủ trì hội nghị sơ kết công tác phòng cháy năm 2023?",
                                   "ai chu tri hoi nghi so ket cong tac phong chay nam 2023",
                                   "Who chaired the fire prevention review conference in 2023?"])
def test_a_later_passage_is_read_at_the_sentence_that_says_the_question(assistant, typed):
    question = analyse(typed)
    passages = assistant.pipeline.retriever.search_batch([question.text], k=8)[0]
    first_a = next(i for i, p in enumerate(passages) if p.article.id == "a")
    passage_b = next(p for p in passages if p.article.id == "b")
    ordered = [passages[first_a], passage_b]
    (first_offset, first_text), (offset, text) = read_excerpts(question, ordered, assistant.index, whole=1)
    assert (first_offset, first_text) == (0, ordered[0].chunk.text)
    assert text == SAYS_IT
    assert passage_b.chunk.text[offset:offset + len(text)] == text


def test_every_passage_is_whole_when_as_many_are_read_whole(assistant):
    question = analyse("Ai chủ trì hội nghị sơ kết công tác phòng cháy năm 2023?")
    passages = assistant.pipeline.retriever.search_batch([question.text], k=8)[0]
    excerpts = read_excerpts(question, passages, assistant.index, whole=len(passages))
    assert excerpts == [(0, p.chunk.text) for p in passages]
