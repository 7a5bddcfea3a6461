"""The web page's behaviour: inputs, errors, uploads file by file, answering with the browser's
history, collections, ratings, the first-start screen and locks.

Assistants are fakes that answer from hand-made articles, so no model or index is needed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr
import pytest

from qa.answer.followup import PreviousTurn, Resolution, resolve
from qa.answer.types import Answer, Citation
from qa.errors import IndexCorruptError
from qa.eval.gold import load_gold_set
from qa.index.manifest import Counts
from qa.index.updating import UpdateReport
from qa.ingest.corpus import Article, ArticleDate
from qa.progress import progress
from qa.web.errors import error_message, user_errors
from qa.web.handlers import WebApp
from qa.web.history import MAX_TURNS, Turn, turns_from_json, turns_to_json
from qa.web.inputs import InputProblem, check_k, check_new_collection, check_question, date_range, parse_day
from qa.web.layout import EXAMPLES, build_demo
from qa.web.readiness import Preparation, Step, status_html
from qa.web.state import AssistantRegistry, ReadWriteLock
from qa.web.uploads import read_upload, upload_paths

HOSTILE = 'Tin nóng <script>alert(1)</script> và <img src=x onerror=alert(1)> cuối bài.'
SKIPPED = type(gr.skip())


def article(text: str, *, id: str = "a1", title: str = "Tiêu đề", day: str | None = "2022-12-28",
            source: str = "cand.com.vn") -> Article:
    return Article(id=id, title=title, date=ArticleDate.parse(day) if day else None, text=text, source=source)


def citation_for(doc: Article) -> Citation:
    return Citation(number=1, doc_id=doc.id, title=doc.title, date=str(doc.date) if doc.date else None,
                    source=doc.source, url=None, passage=doc.text, start=0, end=len(doc.text), sentence_start=0,
                    sentence_end=len(doc.text), score=0.9, answer_start=0, answer_end=7)


def no_progress(*args, **kwargs) -> None:
    return None


# --- inputs and errors ----------------------------------------------------------------------


def test_dates_are_validated_with_vietnamese_messages():
    assert date_range("", " ") == (None, None)
    assert date_range("2022-01-01", "2022-12-31") == (date(2022, 1, 1), date(2022, 12, 31))
    for bad in ("2022-13-01", "28/12/2022", "2022-1-5", "2022-02-30", "hôm qua"):
        with pytest.raises(InputProblem, match="không hợp lệ.*YYYY-MM-DD"):
            parse_day(bad, "Từ ngày", "from")
    with pytest.raises(InputProblem, match="phải trước hoặc bằng"):
        date_range("2022-12-31", "2022-01-01")


def test_k_and_question_are_checked():
    assert check_k(5.0) == 5 and check_k("10") == 10
    for bad in (0, 11, "abc", None):
        with pytest.raises(InputProblem):
            check_k(bad)
    assert check_question("  Ai   chủ trì? ") == "Ai chủ trì?"
    with pytest.raises(InputProblem, match="Hãy nhập câu hỏi"):
        check_question("   ")


def test_collection_names_are_plain_and_new(monkeypatch):
    monkeypatch.setattr("qa.web.inputs.index_names", lambda: ["sample", "tin-cu"])
    assert check_new_collection("  Tin-Moi ") == "tin-moi"
    for bad in ("", "tin của tôi", "../etc", "a" * 49, "-x", "sample", "tin-cu"):
        with pytest.raises(InputProblem):
            check_new_collection(bad)


def test_errors_become_gradio_errors_without_tracebacks():
    with pytest.raises(gr.Error) as raised, user_errors("testing"):
        raise IndexCorruptError("index x: chunks.npy is missing; rebuild it with: qa index build <x>")
    assert raised.value.message.startswith("Chỉ mục bị hỏng")
    assert "&lt;x&gt;" in raised.value.message
    with pytest.raises(gr.Error) as raised, user_errors("testing"):
        raise RuntimeError("secret internals")
    assert "secret" not in raised.value.message and "lỗi nội bộ" in raised.value.message
    assert "Traceback" not in raised.value.message
    assert error_message(InputProblem("Ngày <b>")) == "Ngày &lt;b&gt;"


# --- uploads --------------------------------------------------------------------------------


def test_upload_paths_accept_only_article_files(tmp_path):
    good = [tmp_path / "bai.txt", tmp_path / "bai.jsonl", tmp_path / "trang.html"]
    for path in good:
        path.write_text("x", encoding="utf-8")
    assert upload_paths([str(p) for p in good]) == tuple(good)
    bad = tmp_path / "script.exe"
    bad.write_bytes(b"MZ")
    with pytest.raises(InputProblem, match="không được nhận"):
        upload_paths([str(bad)])
    with pytest.raises(InputProblem, match="chọn ít nhất một tệp"):
        upload_paths(None)
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(InputProblem, match="lớn hơn 10 MB"):
        upload_paths([str(big)])


def test_uploads_are_read_file_by_file_and_reported_without_server_paths(tmp_path):
    folder = tmp_path / "gradio" / "abc123"
    folder.mkdir(parents=True)
    lines = folder / "bai.jsonl"
    lines.write_text('{"id": "moi", "text": "Ông Hà chủ trì."}\nkhông phải JSON\n', encoding="utf-8")
    broken = folder / "hong.jsonl"
    broken.write_text("không phải JSON\n", encoding="utf-8")
    again = folder / "lai.jsonl"
    again.write_text('{"id": "moi", "text": "Ông Hà chủ trì."}\n', encoding="utf-8")
    heard = []
    upload = read_upload([str(lines), str(broken), str(again)],
                         on_file=lambda n, total, name: heard.append((n, total, name)))
    assert heard == [(1, 3, "bai.jsonl"), (2, 3, "hong.jsonl"), (3, 3, "lai.jsonl")]
    assert [a.id for a in upload.articles] == ["moi"]
    by_name = {o.name: o for o in upload.files}
    assert by_name["bai.jsonl"].articles == 1 and len(by_name["bai.jsonl"].skipped) == 1
    assert by_name["hong.jsonl"].articles == 0 and by_name["lai.jsonl"].duplicates == 1
    assert all(str(tmp_path) not in reason for o in upload.files for reason in o.skipped)
    with pytest.raises(InputProblem, match="Không đọc được bài báo nào"):
        read_upload([str(broken)])


# --- follow-up questions ---------------------------------------------------------------------


def test_the_page_examples_are_asked_as_typed_after_the_first():
    """A visitor clicks the examples one after another: none may be taken for a follow-up."""
    first = PreviousTurn(EXAMPLES[0], "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND", "who")
    for question in EXAMPLES[1:]:
        assert resolve(question, first) == Resolution(question)


# --- handlers over fake assistants -----------------------------------------------------------


@dataclass
class FakeIndex:
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class FakeManifest:
    counts: Counts


class FakeAssistant:
    """Answers every question from its first article, remembering what it was asked."""

    def __init__(self, articles: tuple[Article, ...] | None = None) -> None:
        self.index = FakeIndex(articles or (article(HOSTILE, title="<script>t</script>"),))
        self.asked: list[str] = []

    def ask(self, question, *, k, date_from, date_to):
        self.asked.append(question)
        doc = self.index.articles[0]
        return Answer(question, "Tin nóng", doc.text, False, 0.9, (citation_for(doc),), "who")

    def info(self) -> FakeManifest:
        n = len(self.index.articles)
        return FakeManifest(Counts(articles=n, chunks=n, sentences=n, dated_articles=n))

    def add(self, articles, *, sources=()):
        known = {a.id for a in self.index.articles}
        self.index = FakeIndex(self.index.articles + tuple(a for a in articles if a.id not in known))
        return UpdateReport(added=tuple(a.id for a in articles if a.id not in known),
                            unchanged=tuple(a.id for a in articles if a.id in known))

    def remove(self, ids):
        self.index = FakeIndex(tuple(a for a in self.index.articles if a.id not in set(ids)))
        return UpdateReport(removed=tuple(ids))


@pytest.fixture
def fake_app(tmp_path, monkeypatch):
    """A page over fake collections: the sample and any created, listed as real ones would be."""
    collections = {"sample": FakeAssistant()}
    monkeypatch.setattr("qa.web.inputs.index_names", lambda: sorted(collections))
    monkeypatch.setattr("qa.web.handlers.index_names", lambda: sorted(collections))

    def build(name, articles):
        collections[name] = FakeAssistant(tuple(articles))
        return collections[name]

    registry = AssistantRegistry(opener=lambda name: collections[name], builder=build, deleter=collections.pop)
    return WebApp(registry, feedback_folder=tmp_path / "feedback"), collections


def test_respond_answers_in_context_keeps_history_and_escapes_everything(fake_app):
    app, collections = fake_app
    conversation, panel, history = app.respond("Ai chủ trì hội nghị tổng kết?", None, 5, "", "", "sample")
    assert conversation.count('class="qa-turn"') == 1 and "<script" not in conversation + panel
    history = json.loads(json.dumps(history))  # what the browser keeps is plain JSON
    conversation, panel, history = app.respond("Ông ấy giữ chức vụ gì?", history, 5, "", "", "sample")
    assert collections["sample"].asked[-1] == "Tin nóng giữ chức vụ gì?"
    assert conversation.count('class="qa-turn"') == 2 and "hiểu là" in conversation
    assert app.restore(json.loads(json.dumps(history))) == (conversation, panel)  # a reload shows the same page
    with pytest.raises(gr.Error, match="không hợp lệ"):
        app.respond("Ai?", history, 5, "2022-13-01", "", "sample")
    with pytest.raises(gr.Error, match="Không có chỉ mục"):
        app.respond("Ai?", history, 5, "", "", "../etc")
    assert app.api_ask("Ai chủ trì?")["citations"][0]["start"] == 0


def test_an_empty_question_does_nothing(fake_app):
    app, collections = fake_app
    assert app.validate("   ", None, 5, "", "", "sample") is None
    assert all(isinstance(out, SKIPPED) for out in app.respond("  ", None, 5, "", "", "sample"))
    assert collections["sample"].asked == []


def test_clear_needs_a_yes(fake_app):
    app, _ = fake_app
    app.respond("Ai?", None, 5, "", "", "sample")
    assert all(isinstance(out, SKIPPED) for out in app.clear(False))
    conversation, _, cleared, box = app.clear(True)
    assert turns_from_json(cleared) == [] and "qa-turn" not in conversation and box == ""


def test_history_from_the_browser_is_read_safely():
    assert turns_from_json(None) == [] and turns_from_json({"version": 99, "turns": []}) == []
    doc = article("Ông Hà chủ trì.")
    answer = Answer("Ai?", "Ông Hà", "Ông Hà chủ trì.", False, 0.9, (citation_for(doc),), "who", trust="unsure")
    turns = [Turn(f"Câu {n}?", Resolution(f"Câu {n}?"), "sample", answer) for n in range(MAX_TURNS + 5)]
    stored = json.loads(json.dumps(turns_to_json(turns)))
    stored["turns"].insert(0, {"question": "hỏng"})  # edited by hand, or from an older page
    back = turns_from_json(stored)
    assert len(back) == MAX_TURNS and back[-1] == turns[-1] and back[-1].answer.trust == "unsure"


@pytest.mark.parametrize("arguments", [(None,), ("",), ("Ai?", [5]), ("Ai?", "nhiều"), ("Ai?", 5, 20221301),
                                       ("Ai?", 5, ["2022-01-01"]), ("Ai?", 5, "", {"d": 1}), ("Ai?", 5, "", "", 42)])
def test_api_arguments_of_the_wrong_type_are_the_callers_mistake(fake_app, arguments):
    """What a program sends the API is checked like what a person types: a clear message, not "internal error"."""
    app, _ = fake_app
    with pytest.raises(gr.Error) as raised:
        app.api_ask(*arguments)
    assert "lỗi nội bộ" not in raised.value.message and raised.value.message


def test_a_collection_is_created_listed_added_to_and_pruned_while_the_sample_stays_read_only(fake_app, tmp_path):
    app, collections = fake_app
    first = tmp_path / "mot.jsonl"
    first.write_text('{"id": "a", "title": "Bài A", "date": "2023-05-02", "text": "Ông Hà chủ trì."}\n'
                     '{"id": "b", "title": "Bài B", "date": "2021-01", "text": "Bà Lan dự họp."}\n', encoding="utf-8")
    report, choice, files, name_box = app.create_collection("Tin-Moi", [str(first)], progress=no_progress)
    assert "tin-moi" in collections and choice["value"] == "tin-moi" and files is None and name_box == ""
    assert "mot&#46;jsonl" not in report and "mot.jsonl: 2 bài" in report and str(tmp_path) not in report
    summary, table, remove_ids, remove, add, examples, delete = app.collection_changed("tin-moi")
    assert "<strong>tin-moi</strong>: 2 bài báo (articles), tháng 1/2021 – ngày 02/05/2023" in summary
    assert [row[3] for row in table["value"]] == ["a", "b"]  # newest first
    assert remove["interactive"] and add["interactive"] and delete["interactive"] and not examples["visible"]
    second = tmp_path / "hai.jsonl"
    second.write_text('{"id": "c", "title": "Bài C", "text": "Ông Tư phát biểu."}\n', encoding="utf-8")
    added = app.add_files([str(second)], "tin-moi", progress=no_progress)
    assert "1 bài mới" in added[0] and len(collections["tin-moi"].index.articles) == 3
    removed = app.remove_articles(["a"], "tin-moi")
    assert "Đã xoá 1 bài" in removed[0] and {a.id for a in collections["tin-moi"].index.articles} == {"b", "c"}
    sample_view = app.collection_changed("sample")
    assert "chỉ đọc" in sample_view[0] and not sample_view[3]["interactive"] and sample_view[5]["visible"]
    assert not sample_view[6]["interactive"]
    with pytest.raises(gr.Error, match="chỉ để đọc"):
        app.add_files([str(second)], "sample", progress=no_progress)
    with pytest.raises(gr.Error, match="chỉ để đọc"):
        app.remove_articles([collections["sample"].index.articles[0].id], "sample")
    with pytest.raises(gr.Error, match="Đã có bộ sưu tập"):
        app.create_collection("tin-moi", [str(second)], progress=no_progress)
    assert all(isinstance(out, SKIPPED) for out in app.delete_collection(False, "tin-moi"))  # "no" keeps it
    assert "tin-moi" in collections
    with pytest.raises(gr.Error, match="chỉ để đọc"):
        app.delete_collection(True, "sample")
    done, choice = app.delete_collection(True, "tin-moi")
    assert "Đã xoá bộ sưu tập tin-moi" in done and "tin-moi" not in collections and choice["value"] == "sample"


def test_collections_made_elsewhere_join_the_list_on_load(fake_app):
    app, collections = fake_app
    collections["tu-dong-lenh"] = FakeAssistant()  # made by the command line after the page was served
    refreshed = app.refresh_collections("tu-dong-lenh")
    assert refreshed["choices"] == ["sample", "tu-dong-lenh"] and refreshed["value"] == "tu-dong-lenh"
    assert app.refresh_collections("da-xoa")["value"] == "sample"  # one deleted meanwhile: back to the sample
    demo = build_demo(app)
    assert any(getattr(fn.fn, "__name__", "") == "refresh_collections" and "load" in [t[1] for t in fn.targets]
               for fn in demo.fns.values())


def test_ratings_are_appended_and_become_gold_questions(fake_app, tmp_path):
    app, _ = fake_app
    payload = {"collection": "sample", "question": "Còn ông ấy?", "asked": "Ai chủ trì hội nghị?", "answer": "Ông Hà",
               "sentence": "Ông Hà chủ trì.", "abstained": False, "trust": "answered", "confidence": 0.9,
               "doc_id": "a1"}
    liked = app.record_feedback(payload, "up")
    assert app.record_feedback(payload, "up", "đúng người", liked) == liked  # a note joins its rating
    app.record_feedback({**payload, "asked": "Ai phát biểu?", "answer": "Ông Tư"}, "down", "sai người")
    app.record_feedback({**payload, "asked": "Giá vàng?", "answer": "", "abstained": True, "doc_id": None}, "up")
    path = tmp_path / "feedback" / "sample.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4 and records[1]["note"] == "đúng người" and records[0]["id"] == records[1]["id"]
    gold = load_gold_set(path)
    assert gold.format == "feedback"
    assert [(q.question, q.answers, q.doc_id) for q in gold.questions] == [
        ("Ai chủ trì hội nghị?", ("Ông Hà",), "a1"), ("Giá vàng?", (), None)]
    for bad in ({**payload, "question": 42}, {**payload, "collection": "../etc"}):
        with pytest.raises(gr.Error):
            app.record_feedback(bad, "up")
    with pytest.raises(gr.Error):
        app.record_feedback(payload, "sideways")


def test_full_article_is_highlighted_by_offsets(fake_app):
    app, collections = fake_app
    doc = collections["sample"].index.articles[0]
    shown = app.full_article("sample", doc.id, [[0, 8], [0, 3]])
    assert shown.startswith('<mark class="qa-sentence"><mark class="qa-answer">Tin</mark> nóng</mark>')
    assert "<script" not in shown and "&lt;script&gt;" in shown
    assert "không còn" in app.full_article("sample", "gone", [])
    with pytest.raises(gr.Error, match="không hợp lệ"):
        app.full_article("sample", doc.id, [["x", None]])


def test_the_first_start_shows_its_steps_then_the_page(fake_app):
    app, _ = fake_app
    release = threading.Event()

    def indexing():
        for _ in progress(range(3), desc="Embedding passages"):
            pass
        release.wait(5)

    app.preparation = Preparation([Step("Lập chỉ mục (indexing)", indexing), Step("Trả lời thử (a question)", lambda: None)])
    app.preparation.start()
    deadline = time.monotonic() + 5
    while app.preparation.status().done != 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    waiting, main, timer = app.poll_preparation()
    assert "Bước 1/2" in waiting["value"] and "3/3" in waiting["value"] and not main["visible"] and timer["active"]
    assert all(isinstance(out, SKIPPED) for out in app.page_state("sample", None))
    release.set()
    assert app.preparation.wait(5).ready
    waiting, main, timer = app.poll_preparation()
    assert not waiting["visible"] and main["visible"] and not timer["active"]
    assert len(app.page_state("sample", None)) == 9
    failed = Preparation([Step("x", lambda: 1 / 0)])
    failed.start()
    assert "Không chuẩn bị được" in status_html(failed.wait(5))


# --- locks and the page ----------------------------------------------------------------------


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
