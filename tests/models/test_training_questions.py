"""How the reader's training shows questions: as written, without diacritics, or in English
(bench/train_reader.py, bench/english_forms.py), so that the trained reader meets the ways users type;
and how a resumed run is held to the settings it began with."""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter

import pytest
from hypothesis import given, strategies as st

from qa.ingest.text import fold_accents, has_diacritics
from tests.conftest import REPO_ROOT

sys.path.append(str(REPO_ROOT / "bench"))

import english_forms  # noqa: E402
import train_reader  # noqa: E402

QUESTIONS = ("Ai chủ trì hội nghị tổng kết công tác năm 2022?", "Vụ tai nạn xảy ra vào ngày nào?",
             "Có bao nhiêu người bị thương trong vụ cháy?", "Tại sao ông ấy bị bắt giữ?",
             "Công ty nào trúng thầu dự án này?", "Hội nghị do ai chủ trì?")


def test_question_words_become_english_and_the_rest_is_kept():
    switched = [english_forms.code_switched(q) for q in QUESTIONS]
    for original, question in zip(QUESTIONS, switched, strict=True):
        assert not re.search(r"(?<!\w)(ai|nào|bao nhiêu|tại sao)(?!\w)", question, re.I), question
        assert re.search(r"\b(who|which|how many|why|what date)\b", question), question
        assert question.endswith("?") and re.findall(r"\d+", question) == re.findall(r"\d+", original)
    # a syllable of a longer word is not translated on its own: "dự án" is a project
    assert "project" in switched[4] and "attended" not in switched[4]


@given(st.text(alphabet="abcdefghiklmnopqrstuvxyàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ ?",
               max_size=60))
def test_code_switching_never_fails_and_leaves_unknown_words(text):
    known = {w for phrase in (*english_forms.ENGLISH_GLOSSARY, *english_forms.ENGLISH_GLOSSARY.values()) for w in phrase.split()}

    def unknown(words: str) -> list[str]:
        return [w for w in re.findall(r"\w+", words) if w.lower() not in known]

    assert unknown(english_forms.code_switched(text)) == unknown(text)


def test_the_shares_of_each_form_follow_the_settings():
    rng = random.Random(7)
    question = QUESTIONS[0]
    shown = Counter()
    for _ in range(4000):
        text = train_reader.shown_question(question, rng, english_share=0.2)
        shown["folded" if not has_diacritics(text) and text == fold_accents(question) else
              "english" if text == english_forms.code_switched(question) else "as written" if text == question else "other"] += 1
    assert shown["other"] == 0
    assert abs(shown["folded"] / 4000 - train_reader.NO_DIACRITICS_SHARE) < 0.03
    assert abs(shown["english"] / 4000 - 0.2) < 0.03
    assert english_forms.code_switched(question) not in {train_reader.shown_question(question, rng, english_share=0.0)
                                                        for _ in range(500)}


def test_english_word_order_puts_the_question_word_first():
    english = [english_forms.in_english(q) for q in QUESTIONS]
    assert english[0].startswith("Who chaired") and english[5].startswith("Who chaired")
    assert english[1].startswith("When") and english[2].startswith("How many") and english[3].startswith("Why")
    for original, question in zip(QUESTIONS, english, strict=True):
        assert question.endswith("?") and re.findall(r"\d+", question) == re.findall(r"\d+", original)
        assert not re.search(r"(?<!\w)(ai|bao nhiêu|tại sao|vào ngày nào)(?!\w)", question, re.I), question


def test_names_and_words_the_glossary_lacks_are_kept_whole():
    # "Thành" (a name) is not "became"; "kháng sinh" is one word, not "kháng" + "sinh" (born)
    assert "Nguyễn Văn Thành" in english_forms.in_english("Ông Nguyễn Văn Thành giữ chức vụ gì?")
    assert "kháng sinh" in english_forms.in_english("Bệnh viện dùng kháng sinh nào?")
    assert "COVID-19" in english_forms.in_english("COVID-19 xuất hiện ở đâu?")
    assert english_forms.in_english("Việt Nam xuất khẩu bao nhiêu tấn gạo?").count("Vietnam") == 1


@given(st.text(alphabet="abcdeghiklmnopqrstuvxyàáạâấầăắđèéêếềìíòóôốồơớờùúưứừýAĐHNT0123456789 ,?-", max_size=60))
def test_the_english_form_never_fails_and_keeps_every_number(text):
    english = english_forms.in_english(text)
    assert sorted(re.findall(r"\d+", english)) == sorted(re.findall(r"\d+", text))


def test_the_rendered_share_splits_the_english_questions():
    rng = random.Random(11)
    question = QUESTIONS[5]
    forms = Counter()
    for _ in range(3000):
        text = train_reader.shown_question(question, rng, english_share=0.5, rendered_share=0.7)
        forms["rendered" if text == english_forms.in_english(question) else
              "glossed" if text == english_forms.code_switched(question) else "other"] += 1
    english = forms["rendered"] + forms["glossed"]
    assert abs(english / 3000 - 0.5) < 0.04 and abs(forms["rendered"] / english - 0.7) < 0.05


ARTICLE = ("Chiều 6.5, Cục Truyền thông CAND tổ chức cuộc gặp mặt với 8 cơ quan báo chí. Trung tướng Mai Văn Hà "
           "chủ trì buổi gặp mặt. Các đại biểu đánh giá cao hợp tác truyền thông. Năm 2023, hai bên sẽ tiếp tục phối hợp.")


def _row(answer: str) -> dict:
    return {"question": "Ai chủ trì buổi gặp mặt?", "context": ARTICLE, "answers": [answer], "answer_starts": [ARTICLE.index(answer)],
            "split": "train_subset2000", "context_id": "a"}


def test_a_cut_passage_keeps_the_article_around_the_answer_but_not_its_sentence():
    row = _row("Mai Văn Hà")
    passage = train_reader.cut_passage(row, train_reader.answer_spans(row))
    assert "Mai Văn Hà" not in passage and "chủ trì" not in passage
    assert "cuộc gặp mặt với 8 cơ quan báo chí" in passage and "hợp tác truyền thông" in passage


def test_no_cut_passage_when_the_answer_is_also_written_elsewhere():
    row = _row("Cục Truyền thông CAND")
    twice = {**row, "context": ARTICLE + " Cục Truyền thông CAND cảm ơn các cơ quan báo chí."}
    assert train_reader.cut_passage(twice, train_reader.answer_spans(twice)) is None


def test_cut_negatives_are_unanswerable_windows_added_beside_the_question_and_none_by_default():
    rows = [_row("Mai Văn Hà"), _row("8 cơ quan báo chí")]
    plain = train_reader.training_examples(rows, random.Random(3))
    with_cuts = train_reader.training_examples(rows, random.Random(3), cut_share=1.0)
    cuts = [e for e in with_cuts if e.source.endswith("/cut")]
    assert not [e for e in plain if e.source.endswith("/cut")]
    assert len(cuts) == 2 and all(e.answers == () for e in cuts)
    assert all(answer not in e.context for e, answer in zip(cuts, ("Mai Văn Hà", "8 cơ quan báo chí"), strict=True))


def _run_settings(**changed) -> dict:
    settings = {"epochs": 0.7, "batch_size": 16, "learning_rate": 2e-5, "train_examples": 22055, "first_epoch": 6,
                "news_repeats": 2, "english_share": 0.3, "rendered_english_share": 0.7, "role_repeats": 2, "cut_share": 0.3}
    return {**settings, **changed}


def test_a_resume_that_changes_the_schedule_is_refused_naming_the_checkpoint_or_recorded_when_allowed(tmp_path):
    assert train_reader.read_checkpoint(tmp_path) == {}
    assert train_reader.resume_record(tmp_path, {}, _run_settings(epochs=0.45), allow_changes=False) == []
    (tmp_path / "checkpoint.json").write_text(json.dumps({**_run_settings(), "step": 100}))
    stored = train_reader.read_checkpoint(tmp_path)
    assert train_reader.resume_record(tmp_path, stored, _run_settings(), allow_changes=False) == []
    with pytest.raises(SystemExit, match=r"checkpoint\.json: .*epochs was 0\.7, now 0\.45"):
        train_reader.resume_record(tmp_path, stored, _run_settings(epochs=0.45), allow_changes=False)
    recorded = train_reader.resume_record(tmp_path, stored, _run_settings(epochs=0.45), allow_changes=True)
    assert recorded == [{"step": 100, "epochs": [0.7, 0.45]}]
