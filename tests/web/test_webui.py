"""The web page: escaping, highlights by offsets, messages, inputs, errors, uploads, handlers.

Answers and citations are built by hand and assistants are fakes, so no model or index is needed.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr
import pytest

from qa.answer.followup import PreviousTurn, Resolution, resolve
from qa.answer.render import CLOSEST, DISAGREE, NOT_FOUND_VI
from qa.answer.types import Alternative, Answer, Citation
from qa.errors import IndexCorruptError
from qa.index.manifest import Counts
from qa.index.updating import UpdateReport
from qa.ingest.corpus import Article, ArticleDate, LoadResult, SkippedRecord
from qa.web.errors import error_message, user_errors
from qa.web.escape import md_text
from qa.web.handlers import WebApp
from qa.web.highlight import Mark, highlight
from qa.web.inputs import InputProblem, check_k, check_question, date_range, parse_day
from qa.web.layout import EXAMPLES, build_demo
from qa.web.render import anchor_id, render_answer, render_sources, vi_date
from qa.web.state import AssistantRegistry, ReadWriteLock
from qa.web.uploads import Upload, upload_paths, upload_report

HOSTILE = 'Tin nóng <script>alert(1)</script> và <img src=x onerror=alert(1)> cuối bài.'


def article(text: str, *, id: str = "a1", title: str = "Tiêu đề", day: str | None = "2022-12-28",
            source: str = "cand.com.vn", url: str | None = None) -> Article:
    return Article(id=id, title=title, date=ArticleDate.parse(day) if day else None, text=text, source=source, url=url)


def citation_for(doc: Article, *, sentence: tuple[int, int], answer: tuple[int, int] | None = None,
                 passage: tuple[int, int] | None = None, number: int = 1) -> Citation:
    start, end = passage or (0, len(doc.text))
    return Citation(
        number=number, doc_id=doc.id, title=doc.title, date=str(doc.date) if doc.date else None, source=doc.source,
        url=doc.url, passage=doc.text[start:end], start=start, end=end, sentence_start=sentence[0],
        sentence_end=sentence[1], score=0.9, answer_start=answer[0] if answer else None,
        answer_end=answer[1] if answer else None,
    )


def answer_with(citations: tuple[Citation, ...], *, text: str = "Mai Văn Hà", sentence: str = "", abstained: bool = False,
                resolved_date: str | None = None, alternatives: tuple[Alternative, ...] = (),
                question: str = "Ai chủ trì?") -> Answer:
    return Answer(question=question, text=text, sentence=sentence, abstained=abstained, confidence=0.81,
                  citations=citations, question_type="who", resolved_date=resolved_date, alternatives=alternatives)


# --- escaping ------------------------------------------------------------------------------


def test_sources_panel_shows_hostile_article_as_text():
    doc = article(HOSTILE, title='<img src=x onerror=alert(1)>', source="<script>x</script>",
                  url="javascript:alert(1)")
    cited = citation_for(doc, sentence=(0, len(HOSTILE)), answer=(9, 34))
    panel = render_sources(answer_with((cited,)), {doc.id: doc}, turn=0, question="<script>q</script>")
    assert "<script" not in panel and "<img" not in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert "&lt;img src=x onerror=alert(1)&gt;" in panel
    assert "javascript:" not in panel  # a non-http url is not linked
    assert panel.count('<details class="qa-full">') == 1


def test_chat_message_escapes_markdown_and_html():
    doc = article(HOSTILE)
    cited = citation_for(doc, sentence=(0, len(HOSTILE)))
    hostile_answer = "[click](javascript:alert(1)) **x** <img src=x onerror=alert(1)>"
    message = render_answer(answer_with((cited,), text=hostile_answer, sentence=HOSTILE), turn=0)
    assert "<script" not in message and "<img" not in message
    assert "](javascript" not in message and "**x**" not in message
    assert message.startswith("**")  # our own bold survives


def test_md_text_neutralises_markup_but_keeps_words():
    assert md_text("Chủ trì hội nghị.") == "Chủ trì hội nghị."
    for markup in ("# tiêu đề", "1. danh sách", "- gạch", "`code`", "$$x$$", "| a | b |", "~~s~~", "_i_"):
        escaped = md_text(markup)
        assert escaped != markup and "&#" in escaped
    assert "://" not in md_text("https://evil.example") and "www." not in md_text("www.evil.example")
    assert "\n" not in md_text("dòng một\n\n# dòng hai")


# --- highlights by offsets -----------------------------------------------------------------


def test_highlight_uses_offsets_not_the_first_occurrence():
    text = "Ông Hà nói trước. Sau đó ông Hà chủ trì hội nghị."
    second = text.index("Hà", text.index("Hà") + 1)
    doc = article(text)
    cited = citation_for(doc, sentence=(text.index("Sau"), len(text)), answer=(second, second + 2))
    html_text = highlight(text, 0, [Mark(cited.sentence_start, cited.sentence_end, "qa-sentence"),
                                    Mark(cited.answer_start, cited.answer_end, "qa-answer")])
    assert html_text.startswith("Ông Hà nói trước. <mark")  # the first "Hà" is not marked
    assert '<mark class="qa-sentence">Sau đó ông <mark class="qa-answer">Hà</mark> chủ trì hội nghị.</mark>' in html_text
    assert re.sub(r"<[^>]+>", "", html_text) == text


def test_passage_highlight_is_shifted_by_the_passage_start():
    text = "Mở đầu bài. Hà dự. Hà chủ trì hội nghị. Kết bài."
    start = text.index("Hà dự")
    sentence = (text.index("Hà chủ"), text.index(" Kết"))
    doc = article(text)
    cited = citation_for(doc, sentence=sentence, answer=(sentence[0], sentence[0] + 2), passage=(start, len(text)))
    panel = render_sources(answer_with((cited,)), {doc.id: doc}, turn=3)
    passage = re.search(r'<div class="qa-passage">(.*?)</div>', panel).group(1)
    assert passage.startswith("… Hà dự. <mark")
    assert '<mark class="qa-sentence"><mark class="qa-answer">Hà</mark> chủ trì hội nghị.</mark>' in passage
    full = re.search(r'<div class="qa-article">(.*?)</div>', panel).group(1)
    assert full.startswith("Mở đầu bài. Hà dự. <mark")


def test_highlight_handles_crossing_empty_and_out_of_range_marks():
    text = "abcdefghij"
    assert highlight(text, 0, [Mark(2, 6, "s"), Mark(4, 9, "a")]) == 'ab<mark class="s">cd<mark class="a">ef</mark></mark>ghij'
    assert highlight(text, 0, [Mark(3, 3, "s")]) == text
    assert highlight(text, 100, [Mark(0, 105, "s")]) == '<mark class="s">abcde</mark>fghij'
    assert highlight("a<b", 0, []) == "a&lt;b"


def test_citation_without_sentence_has_no_marks():
    doc = article("Một đoạn văn không có câu dẫn chứng.")
    cited = citation_for(doc, sentence=(0, 0))
    panel = render_sources(answer_with((cited,), abstained=True, text=""), {doc.id: doc}, turn=0)
    assert "<mark class=\"qa-sentence\">Một" not in panel


# --- the chat message and the panel ----------------------------------------------------------


def test_answer_message_has_bold_answer_date_sentence_and_linked_markers():
    text = "Chiều 6.5, Cục tổ chức cuộc gặp mặt."
    doc = article(text, day="2022-05")
    cited = (citation_for(doc, sentence=(0, len(text)), answer=(0, 9)),
             citation_for(article("Bài khác.", id="b2"), sentence=(0, 9), number=2))
    message = render_answer(answer_with(cited, text="Chiều 6.5", sentence=text, resolved_date="2022-05-06"), turn=4)
    assert message.startswith("**Chiều 6.5** (ngày 06/05/2022)")
    assert f"](#{anchor_id(4, 1)})" in message and f"](#{anchor_id(4, 2)})" in message
    assert "> Chiều 6.5, Cục tổ chức cuộc gặp mặt." in message
    panel = render_sources(answer_with(cited), {doc.id: doc}, turn=4)
    assert f'id="{anchor_id(4, 1)}"' in panel and f'id="{anchor_id(4, 2)}"' in panel
    assert "Bài không còn trong chỉ mục" in panel  # b2 is not in the articles given


def test_abstention_reads_not_found_and_still_lists_passages():
    doc = article("Đoạn gần nhất.")
    cited = (citation_for(doc, sentence=(0, 0)),)
    abstained = answer_with(cited, text="", abstained=True)
    message = render_answer(abstained, turn=0)
    assert NOT_FOUND_VI in message and f"{CLOSEST} [" in message and f"(#{anchor_id(0, 1)})" in message
    panel = render_sources(abstained, {doc.id: doc}, turn=0)
    assert NOT_FOUND_VI in panel and "Đoạn gần nhất." in panel
    assert CLOSEST not in render_sources(answer_with((), text="", abstained=True), {}, turn=0)


def test_disagreeing_articles_are_listed_newest_first_with_their_dates():
    new, old = article("Ông B chủ trì.", id="new", day="2022-12"), article("Ông A chủ trì.", id="old", day="2021-03")
    cited = (citation_for(new, sentence=(0, 14), number=1), citation_for(old, sentence=(0, 14), number=2))
    answer = answer_with(cited, text="Ông B", alternatives=(Alternative("Ông A", "2021-03", 2),), sentence="Ông B chủ trì.")
    message = render_answer(answer, turn=0)
    assert DISAGREE in message
    assert message.index("Bài tháng 12/2022: **Ông B**") < message.index("Bài tháng 3/2021: **Ông A**")
    assert f"**Ông A** [\\[2\\]](#{anchor_id(0, 2)})" in message


def test_reformulated_follow_up_is_shown():
    doc = article("Ông Hà chủ trì.")
    answer = answer_with((citation_for(doc, sentence=(0, 15)),), sentence="Ông Hà chủ trì.")
    shown = render_answer(answer, turn=1, resolution=Resolution("Ai chủ trì hội nghị tháng 12?", "contrast"))
    assert shown.startswith("_(hiểu là: Ai chủ trì hội nghị tháng 12?)_")
    assert "hiểu là" not in render_answer(answer, turn=1, resolution=Resolution("Ai chủ trì?"))


# --- inputs ----------------------------------------------------------------------------------


def test_dates_are_validated_with_vietnamese_messages():
    assert date_range("", " ") == (None, None)
    assert date_range("2022-01-01", "2022-12-31") == (date(2022, 1, 1), date(2022, 12, 31))
    for bad in ("2022-13-01", "28/12/2022", "2022-1-5", "2022-02-30", "hôm qua"):
        with pytest.raises(InputProblem, match="không hợp lệ.*YYYY-MM-DD"):
            parse_day(bad, "Từ ngày", "from")
    with pytest.raises(InputProblem, match="phải trước hoặc bằng"):
        date_range("2022-12-31", "2022-01-01")


def test_dates_are_shown_the_vietnamese_way_at_their_precision():
    assert vi_date("2022-05-06") == "ngày 06/05/2022"
    assert vi_date("2022-12") == "tháng 12/2022"
    assert vi_date("2022") == "năm 2022"
    assert vi_date(None) == "không rõ ngày"


def test_k_and_question_are_checked():
    assert check_k(5.0) == 5 and check_k("10") == 10
    for bad in (0, 11, "abc", None):
        with pytest.raises(InputProblem):
            check_k(bad)
    assert check_question("  Ai   chủ trì? ") == "Ai chủ trì?"
    with pytest.raises(InputProblem, match="Hãy nhập câu hỏi"):
        check_question("   ")


def test_errors_become_gradio_errors_without_tracebacks(caplog):
    with pytest.raises(gr.Error) as raised, user_errors("testing"):
        raise IndexCorruptError("index x: chunks.npy is missing; rebuild it with: qa index build <x>")
    assert raised.value.message.startswith("Chỉ mục bị hỏng")
    assert "&lt;x&gt;" in raised.value.message
    with pytest.raises(gr.Error) as raised, user_errors("testing"):
        raise RuntimeError("secret internals")
    assert "secret" not in raised.value.message and "lỗi nội bộ" in raised.value.message
    assert "Traceback" not in raised.value.message
    assert error_message(InputProblem("Ngày <b>")) == "Ngày &lt;b&gt;"


def test_upload_paths_accept_only_txt_and_jsonl(tmp_path):
    good = tmp_path / "bai.txt"
    good.write_text("Nội dung.", encoding="utf-8")
    lines = tmp_path / "bai.jsonl"
    lines.write_text('{"text": "x"}\n', encoding="utf-8")
    assert upload_paths([str(good), str(lines)]) == (good, lines)
    bad = tmp_path / "script.exe"
    bad.write_bytes(b"MZ")
    with pytest.raises(InputProblem, match="chỉ nhận .txt và .jsonl"):
        upload_paths([str(bad)])
    with pytest.raises(InputProblem, match="chọn ít nhất một tệp"):
        upload_paths(None)


def test_upload_report_counts_and_hides_server_paths(tmp_path):
    path = tmp_path / "gradio" / "abc123" / "bai.jsonl"
    loaded = LoadResult(articles=(), skipped=(SkippedRecord(f"{path}:3", "no 'text' field"),))
    report = UpdateReport(added=("a", "b"), changed=("c",), unchanged=("d",))
    text = upload_report("sample", report, Upload((path,), loaded))
    assert "2 bài mới" in text and "1 bài thay đổi" in text and "1 bản ghi bị bỏ qua" in text
    assert str(tmp_path) not in text and "bai&#46;jsonl" not in text and "bai.jsonl:3" in text


# --- follow-up questions ---------------------------------------------------------------------


def test_the_page_examples_are_asked_as_typed_after_the_first():
    """A visitor clicks the examples one after another: none may be taken for a follow-up."""
    first = PreviousTurn(EXAMPLES[0], "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND", "who")
    for question in EXAMPLES[1:]:
        assert resolve(question, first) == Resolution(question)


# --- handlers over a fake assistant ----------------------------------------------------------


@dataclass
class FakeIndex:
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class FakeManifest:
    counts: Counts


class FakeAssistant:
    """Answers every question from one hostile article, remembering what it was asked."""

    def __init__(self) -> None:
        self.doc = article(HOSTILE, title="<script>t</script>")
        self.index = FakeIndex((self.doc,))
        self.asked: list[str] = []

    def ask(self, question, *, k, date_from, date_to):
        self.asked.append(question)
        cited = citation_for(self.doc, sentence=(0, len(HOSTILE)), answer=(0, 7))
        return Answer(question, "Tin nóng", HOSTILE, False, 0.9, (cited,), "who")

    def info(self) -> FakeManifest:
        articles = len(self.index.articles)
        return FakeManifest(Counts(articles=articles, chunks=articles, sentences=articles, dated_articles=articles))

    def add(self, articles, *, sources=()):
        known = {a.id for a in self.index.articles}
        self.index = FakeIndex(self.index.articles + tuple(a for a in articles if a.id not in known))
        return UpdateReport(added=tuple(a.id for a in articles if a.id not in known),
                            unchanged=tuple(a.id for a in articles if a.id in known))


def test_respond_answers_in_context_and_escapes_everything():
    fake = FakeAssistant()
    app = WebApp(AssistantRegistry(opener=lambda name: fake))
    history, turns, sources = app.respond("Ai chủ trì hội nghị tổng kết?", [], 5, "", "", "sample")
    assert len(history) == 2 and len(turns) == 1
    assert "<script" not in history[1]["content"] and "<script" not in sources
    assert f'id="{anchor_id(0, 1)}"' in sources
    history, turns, sources = app.respond("Ông ấy giữ chức vụ gì?", turns, 5, "", "", "sample")
    assert fake.asked[-1] == "Tin nóng giữ chức vụ gì?"
    assert "hiểu là" in history[3]["content"] and f'id="{anchor_id(1, 1)}"' in sources
    with pytest.raises(gr.Error, match="không hợp lệ"):
        app.respond("Ai?", turns, 5, "2022-13-01", "", "sample")
    with pytest.raises(gr.Error, match="không hợp lệ"):
        app.validate("Ai?", turns, 5, "", "2022-02-30", "sample")
    assert app.validate("Ai?", turns, 5, "2022-01-01", "2022-12-31", "sample") is None
    with pytest.raises(gr.Error, match="Không có chỉ mục"):
        app.respond("Ai?", turns, 5, "", "", "../etc")
    assert app.api_ask("Ai chủ trì?")["citations"][0]["start"] == 0


@pytest.mark.parametrize("arguments", [(None,), ("",), ("Ai?", [5]), ("Ai?", "nhiều"), ("Ai?", 5, 20221301),
                                       ("Ai?", 5, ["2022-01-01"]), ("Ai?", 5, "", {"d": 1}), ("Ai?", 5, "", "", 42)])
def test_api_arguments_of_the_wrong_type_are_the_callers_mistake(arguments):
    """What a program sends the API is checked like what a person types: a clear message, not "internal error"."""
    app = WebApp(AssistantRegistry(opener=lambda name: FakeAssistant()))
    with pytest.raises(gr.Error) as raised:
        app.api_ask(*arguments)
    assert "lỗi nội bộ" not in raised.value.message and raised.value.message


def test_uploads_over_the_limit_are_refused_by_the_handler_too(tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(InputProblem, match="lớn hơn 10 MB"):
        upload_paths([str(big)])


def test_added_articles_are_counted_and_shown_in_full(tmp_path):
    fake = FakeAssistant()
    app = WebApp(AssistantRegistry(opener=lambda name: fake))
    upload = tmp_path / "moi.jsonl"
    upload.write_text('{"id": "moi", "title": "Bài mới", "text": "Ông Hà chủ trì."}\nkhông phải JSON\n', encoding="utf-8")
    summary, info, files = app.add_files([str(upload)], "sample", progress=lambda *a, **k: None)
    assert "1 bài mới" in summary and "1 bản ghi bị bỏ qua" in summary and str(tmp_path) not in summary
    assert "2 bài báo" in info and files is None
    with app.registry.reading("sample") as opened:
        assert "moi" in opened.articles  # the full-article view sees the new version at once
    bad = tmp_path / "hong.jsonl"
    bad.write_text("không phải JSON\n", encoding="utf-8")
    with pytest.raises(gr.Error, match="Không đọc được bài báo nào"):
        app.add_files([str(bad)], "sample", progress=lambda *a, **k: None)


def _run_all(targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)


def test_read_write_lock_keeps_writers_and_readers_apart():
    lock, guard, state, seen = ReadWriteLock(), threading.Lock(), {"readers": 0, "writing": False}, []

    def section(kind: str) -> None:
        with guard:
            state["readers" if kind == "read" else "writing"] += 1 if kind == "read" else True
            seen.append((kind, state["writing"] if kind == "read" else state["readers"]))
        time.sleep(0.01)
        with guard:
            if kind == "read":
                state["readers"] -= 1
            else:
                state["writing"] = False

    def reader():
        with lock.reading():
            section("read")

    def writer():
        with lock.writing():
            section("write")

    _run_all([writer if i % 3 == 0 else reader for i in range(12)])
    assert len(seen) == 12
    assert all(writing is False for kind, writing in seen if kind == "read")
    assert all(readers == 0 for kind, readers in seen if kind == "write")


def test_readers_share_the_lock():
    lock, barrier, failures = ReadWriteLock(), threading.Barrier(2, timeout=5), []

    def reader():
        with lock.reading():
            try:
                barrier.wait()  # both readers inside at once, or this times out
            except threading.BrokenBarrierError as exc:
                failures.append(exc)

    _run_all([reader, reader])
    assert failures == []


def test_page_exposes_only_the_ask_endpoint():
    demo = build_demo(WebApp(AssistantRegistry(opener=lambda name: FakeAssistant())))
    public = sorted(fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public")
    assert public == ["ask"]


def test_app_module_parses_host_and_port(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("app_under_test", Path(__file__).resolve().parents[2] / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("QA_PORT", "9001")
    monkeypatch.setenv("QA_HOST", "0.0.0.0")
    assert (module.parse_args([]).host, module.parse_args([]).port) == ("0.0.0.0", 9001)
    assert module.parse_args(["--port", "7000", "--host", "127.0.0.1"]).port == 7000
