"""How much of a question the answer's sentence says: the feature that tells an article that
says what was asked from one that is only about the same event."""

from __future__ import annotations

import pytest

from qa.answer.question import analyse
from qa.answer.rules import sentence_coverage
from qa.assistant import Assistant
from qa.ingest.corpus import ArticleDate
from qa.ingest.text import fold_accents
from tests.support.hashing_embedder import HashingEmbedder

QUESTION = "Ai chủ trì cuộc gặp mặt với các cơ quan báo chí ngoài ngành công an?"
SAYS_IT = "Trung tướng Mai Văn Hà, Cục trưởng Cục Truyền thông CAND, chủ trì buổi gặp mặt với các cơ quan báo chí ngoài ngành công an."
SAME_EVENT = "Cuộc gặp mặt đánh giá về hợp tác truyền thông giữa Bộ Công an và 8 cơ quan báo chí."
ELSEWHERE = "Thiếu tướng Đỗ Triệu Phong phát động phong trào thi đua năm 2023."


@pytest.fixture(scope="module")
def lexical(tmp_path_factory, sample_dir):
    folder = tmp_path_factory.mktemp("coverage") / "sample"
    return Assistant.build([sample_dir], folder, embedder=HashingEmbedder(), reader="rules").index.lexical


def test_the_sentence_that_says_it_covers_more_than_one_about_the_same_event_and_more_than_one_elsewhere(lexical):
    question = analyse(QUESTION)
    says, same, elsewhere = (sentence_coverage(question, s, lexical) for s in (SAYS_IT, SAME_EVENT, ELSEWHERE))
    assert says > same > elsewhere
    assert says > 0.8


def test_the_question_covers_itself_and_an_empty_sentence_covers_nothing(lexical):
    question = analyse(QUESTION)
    assert sentence_coverage(question, QUESTION, lexical) == pytest.approx(1.0)
    assert sentence_coverage(question, "", lexical) == 0.0


def test_a_question_typed_without_diacritics_is_matched_in_folded_form(lexical):
    bare = analyse(fold_accents(QUESTION))
    assert sentence_coverage(bare, SAYS_IT, lexical) > 0.8
    assert sentence_coverage(bare, SAYS_IT, lexical) > sentence_coverage(bare, SAME_EVENT, lexical)


def test_an_english_question_is_matched_by_its_terms_in_vietnamese(lexical):
    question = analyse("Who chaired the meeting with the press agencies outside the police?")
    assert question.language == "en"
    says, same, elsewhere = (sentence_coverage(question, s, lexical) for s in (SAYS_IT, SAME_EVENT, ELSEWHERE))
    assert says > same > elsewhere
    assert says > 0.8


@pytest.mark.parametrize("asked", [f"{QUESTION[:-1]} tháng 5/2022?", "Who chaired the meeting with the press agencies in May 2022?"])
def test_the_year_asked_is_said_by_an_article_of_that_year(lexical, asked):
    question = analyse(asked)
    undated = sentence_coverage(question, SAYS_IT, lexical)
    assert sentence_coverage(question, SAYS_IT, lexical, published=ArticleDate(2022, 5)) > undated
    assert sentence_coverage(question, SAYS_IT, lexical, published=ArticleDate(2023, 5)) == undated
