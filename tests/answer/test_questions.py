"""Any question string is safe: fuzzed and hostile questions give an ``Answer``, never a crash.

The fuzz runs the real ``Assistant`` (retrieval, ranking, spans, calibration) over the sample
corpus with the deterministic hashing embedder, so it is fast; the named edge cases at the end
go through the real default model, whose tokenizer is where odd text used to fail.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.answer.types import Answer
from qa.assistant import Assistant
from qa.pipeline import MAX_QUESTION_CHARS
from tests.support.hashing_embedder import HashingEmbedder

GOLD_WHO = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"
WORDS = ["Ai", "chủ trì", "hội nghị", "tổng kết", "năm 2022", "khi nào", "ở đâu", "bao nhiêu", "Cục Truyền thông",
         "Who", "chaired", "meeting", "ai chu tri", "hoi nghi", "Thiếu tướng", "6.5", "28/12", "?", "!", "…"]
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "**đậm**",
           "'; DROP TABLE articles; --", "\" OR 1=1 --", "${7*7}", "{{7*7}}", "%s%n", "\\x00", "../../etc/passwd"]
ODD = ["\x00", "\x1b[31m", "\x7f", "\u202e", "\u200b", "\ufeff", "\ud800", "\udfff", "\ud83d\ude00", "😀", "🇻🇳",
       "\u0301", "\n\n", "\t", "\u2028", "你好", "совещание", "مرحبا", "\U0010ffff"]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, sample_dir) -> Assistant:
    folder = tmp_path_factory.mktemp("questions") / "sample"
    return Assistant.build([sample_dir], folder, embedder=HashingEmbedder())


def any_code_points(max_size: int) -> st.SearchStrategy[str]:
    """Strings of any code points, lone surrogates included (JSON and Python both allow them)."""
    return st.lists(st.integers(0, 0x10FFFF), max_size=max_size).map(lambda points: "".join(map(chr, points)))


questions = st.one_of(
    st.text(max_size=300),
    any_code_points(200),
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(HOSTILE), st.sampled_from(ODD), st.text(max_size=5)),
             max_size=25).map(" ".join),
)


def assert_sound(answer: object, assistant: Assistant) -> Answer:
    """What every answer promises, whatever the question was."""
    assert isinstance(answer, Answer)
    assert 0.0 <= answer.confidence <= 1.0
    assert len(answer.question) <= MAX_QUESTION_CHARS
    if answer.abstained:
        assert answer.text == ""
    else:
        assert answer.text and answer.text in answer.sentence
    articles = {a.id: a for a in assistant.index.articles}
    for citation in answer.citations:
        text = articles[citation.doc_id].text
        assert text[citation.start : citation.end] == citation.passage
        if citation.sentence_end > citation.sentence_start:
            assert citation.start <= citation.sentence_start < citation.sentence_end <= citation.end
        if citation.answer_start is not None:
            assert citation.sentence_start <= citation.answer_start < citation.answer_end <= citation.sentence_end
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")  # no lone surrogate reaches the output
    answer.markdown()
    return answer


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions)
def test_any_question_gives_a_sound_answer(assistant, question):
    answer = assert_sound(assistant.ask(question), assistant)
    if not re.search(r"\w", question):
        assert answer.abstained and answer.notes


@settings(max_examples=30, deadline=None)
@given(batch=st.lists(questions, max_size=6))
def test_a_batch_answers_each_question_in_order(assistant, batch):
    answers = assistant.ask_batch(batch)
    assert len(answers) == len(batch)
    for answer in answers:
        assert_sound(answer, assistant)


def test_a_long_paste_is_truncated_with_a_note(assistant):
    pasted = (GOLD_WHO + " ") * 2200  # about 100 KB
    answer = assert_sound(assistant.ask(pasted), assistant)
    assert len(pasted.encode("utf-8")) > 100_000
    assert len(answer.question) <= MAX_QUESTION_CHARS and answer.question.startswith(GOLD_WHO)
    assert any("truncated" in note for note in answer.notes)
    unbroken = assert_sound(assistant.ask("x" * 100_000), assistant)
    assert len(unbroken.question) == MAX_QUESTION_CHARS and any("truncated" in n for n in unbroken.notes)
    assert not any("truncated" in n for n in assistant.ask(GOLD_WHO).notes)


EMPTY, NO_WORDS = "Câu hỏi trống", "Câu hỏi không có chữ"


@pytest.mark.parametrize(("question", "note"), [("", EMPTY), ("   ", EMPTY), ("\t\n\r", EMPTY), ("\x00\x01\x1b", EMPTY),
                                                ("😀🎉", NO_WORDS), ("???", NO_WORDS), ("\ud800", NO_WORDS)])
def test_a_question_without_words_abstains_and_says_why(assistant, question, note):
    answer = assert_sound(assistant.ask(question), assistant)
    assert answer.abstained and answer.citations == ()
    assert answer.notes[-1].startswith(note)


@pytest.mark.parametrize("question", [None, 42, 4.2, b"Ai ch\xe1\xbb\xa7 tr\xc3\xac?", ["Ai?"], {"q": "Ai?"}])
def test_a_question_that_is_not_a_string_is_a_type_error(assistant, question):
    with pytest.raises(TypeError, match=rf"question must be a str, not {type(question).__name__}"):
        assistant.ask(question)
    with pytest.raises(TypeError, match="question must be a str"):
        assistant.ask_batch([GOLD_WHO, question])


def test_a_batch_must_be_a_list_not_one_string(assistant):
    with pytest.raises(TypeError, match="ask_batch takes a list"):
        assistant.ask_batch(GOLD_WHO)


# --- through the real default model -------------------------------------------------------

EDGE_CASES = {
    "empty": "",
    "whitespace": " \t\n ",
    "control characters": "\x00\x1b[31m Ai chủ trì hội nghị tổng kết công tác năm 2022? \x7f\x08",
    "emoji": "😀🔥 Ai chủ trì hội nghị tổng kết công tác năm 2022? 🇻🇳🎉",
    "mixed scripts": "Who 主持 совещание Ai chủ trì hội nghị tổng kết công tác năm 2022? مرحبا",
    "sql": "Ai chủ trì hội nghị tổng kết công tác năm 2022?'; DROP TABLE articles; --",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)> Ai chủ trì hội nghị tổng kết công tác năm 2022?",
    "lone surrogates": "\ud800Ai chủ trì hội nghị tổng kết công tác năm 2022?\udfff",
    "bidi and zero width": "\u202eAi chủ trì\u200b hội nghị tổng kết công tác năm 2022?\u202c",
    "decomposed": "Ai chu\u0309 tri\u0300 hô\u0323i nghi\u0323 tô\u0309ng kê\u0301t công ta\u0301c năm 2022?",
    "100 KB paste": (GOLD_WHO + " ") * 2200,
    "100 KB without spaces": "ạ" * 100_000,
}
# Junk made of words ("DROP TABLE", "onerror") is a question about things no article mentions, and
# abstaining on it is the designed behaviour; junk without words must not change the answer.
SHOULD_ANSWER = {"emoji", "lone surrogates", "bidi and zero width", "decomposed", "100 KB paste"}
GOLD_ARTICLE = "004_c3cdf694cfdd003e"


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_cases_through_the_real_model(name):
    from qa.assistant import default_assistant

    assistant = default_assistant()
    answer = assert_sound(assistant.ask(EDGE_CASES[name]), assistant)
    if name in SHOULD_ANSWER - {"100 KB paste"}:  # the junk around the words changes nothing
        plain = assistant.ask("Ai chủ trì hội nghị tổng kết công tác năm 2022?")
        assert (answer.abstained, answer.text, answer.sentence) == (plain.abstained, plain.text, plain.sentence), answer
    if "năm 2022" in EDGE_CASES[name]:  # whatever surrounds it, the right article is found and cited
        assert answer.citations[0].doc_id == GOLD_ARTICLE
    if name in ("empty", "whitespace"):
        assert answer.abstained and answer.notes == ("Câu hỏi trống (empty question).",)
    if name.startswith("100 KB"):
        assert any("truncated" in note for note in answer.notes)
