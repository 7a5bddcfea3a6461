"""End to end: ``python app.py`` in a subprocess, driven by system chromium and by gradio_client.

Needs ``/usr/bin/chromium`` (Debian: ``apt-get install -y chromium chromium-driver``) and
``pip install playwright`` (no ``playwright install``: the system browser is used). Skips with
the reason when chromium is absent. Screenshots go to the test's tmp dir, and to
``$QA_SCREENSHOT_DIR`` as well when it is set.
"""

from __future__ import annotations

import json
import re

import pytest

from qa.paths import indexes_dir
from qa.web.layout import EXAMPLES
from support.browser import (STARTUP_SECONDS, chromium_missing_reason, chromium_page, link_models, running_app,
                             save_screenshot)

MISSING = chromium_missing_reason()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(900),  # an app start may take 300 s, then each answer up to 120 s
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

QUESTION = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"
ANSWER_TIMEOUT_MS = 120_000
CONTRACT_KEYS = {"question", "text", "sentence", "abstained", "confidence", "citations", "question_type",
                 "language", "resolved_date", "alternatives", "notes", "trust"}
HTML_PAGE = "tests/data/html/vnexpress-buyt-dien.html"  # a saved news page: menus, captions, related links
CITATION_KEYS = {"number", "doc_id", "title", "date", "source", "url", "passage", "start", "end", "sentence_start",
                 "sentence_end", "score", "answer_start", "answer_end"}

HOSTILE_ARTICLE = (
    "Hội thảo an ninh mạng khai mạc tại Đà Nẵng <img src=x onerror=\"window.__pwned=1\"> với 300 đại biểu.\n\n"
    "Đại tá Nguyễn Văn Bình chủ trì hội thảo an ninh mạng <script>window.__pwned=1</script> năm 2023.\n\n"
    "Hội thảo bàn về phòng chống lừa đảo trực tuyến [click](javascript:window.__pwned=1) và **bảo mật**.\n"
)
# A JSON Lines article whose every field is hostile: the headline, the outlet and the link too.
HOSTILE_RECORD = {
    "id": "hostile-jsonl",
    "title": "<iframe srcdoc=\"<script>parent.__pwned=2</script>\"></iframe> ![x](x\" onerror=\"window.__pwned=2)",
    "date": "2023-04-02",
    "source": "<svg onload=\"window.__pwned=2\">",
    "url": "javascript:window.__pwned=2",
    "text": ("Trung tá Lê Thị Hoa phát biểu tại diễn đàn bảo mật dữ liệu <a href=\"javascript:window.__pwned=2\">xem</a> "
             "ngày 2/4. Diễn đàn có <b onmouseover=\"window.__pwned=2\">150</b> khách mời, "
             "$$\\href{javascript:window.__pwned=2}{x}$$ và <javascript:window.__pwned=2>."),
}
HOSTILE_QUESTION = ('<img src=x onerror="window.__pwned=3"> [hỏi](javascript:window.__pwned=3) '
                    "**Ai** phát biểu tại diễn đàn bảo mật dữ liệu?")


@pytest.fixture(scope="module")
def app_url(sample_app):
    """The app over the shared sample index (``QA_EMBEDDINGS_DIR`` left as it is)."""
    return sample_app["url"]


def _ask(page, question: str, turn: int) -> None:
    from playwright.sync_api import expect

    box = page.locator("#qa-question textarea").first
    # The page empties the box once the previous answer is shown; typing before that is lost.
    expect(box).to_have_value("", timeout=ANSWER_TIMEOUT_MS)
    box.fill(question)
    expect(box).to_have_value(question)
    page.locator("#qa-ask").click()
    page.locator(f"#qa-turn-{turn} .qa-reply").wait_for(timeout=ANSWER_TIMEOUT_MS)


def _open_page(page, url: str) -> None:
    page.goto(url)
    page.locator("#qa-question textarea").first.wait_for(timeout=STARTUP_SECONDS * 1000)


def _scroll_y(page) -> float:
    return page.evaluate("window.scrollY")


def test_answer_has_a_trust_label_a_previewing_marker_and_a_source_shown_in_its_panel(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(width=1366, height=900, failure_shot=tmp_path / "answer-failure.png") as page:
        _open_page(page, app_url)
        expect(page.locator("#qa-summary")).to_contain_text("2 bài báo")  # what the collection covers
        _ask(page, QUESTION, 0)
        reply = page.locator("#qa-turn-0 .qa-reply")
        expect(reply.locator(".qa-trust")).to_have_text(re.compile(r"\((answered|not sure|not found)\)"))
        marker = reply.locator(".qa-cite").first
        box = marker.bounding_box()
        assert box["width"] >= 30 and box["height"] >= 28  # large enough to tap
        marker.hover()
        preview = reply.locator(".qa-preview").first
        expect(preview).to_be_visible()
        expect(preview).to_contain_text(re.compile(r"\d{4}"))  # the article's date
        before = _scroll_y(page)
        marker.click()
        card = page.locator("#qa-panel-0-1")
        expect(card).to_be_in_viewport()
        assert abs(_scroll_y(page) - before) < 2  # the panel scrolled, not the page
        card.locator("details.qa-full summary").click()
        sentence = card.locator(".qa-article mark.qa-sentence").first
        expect(sentence).to_be_attached(timeout=30_000)
        assert sentence.inner_text().strip()
        save_screenshot(page, tmp_path, "answer-desktop")


def test_a_follow_up_naming_a_month_is_answered_from_that_month(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(failure_shot=tmp_path / "follow-up-failure.png") as page:
        _open_page(page, app_url)
        _ask(page, QUESTION, 0)
        _ask(page, "Còn cuộc gặp mặt tháng 5 thì ai chủ trì?", 1)
        expect(page.locator("#qa-turn-1 .qa-understood")).to_contain_text("tháng 5")
        lead = page.locator("#qa-panel-1-1 .qa-meta")
        expect(lead).to_contain_text("5/2022")  # the May article leads, not the newer December one
        _ask(page, "Who attended?", 2)
        page.wait_for_timeout(1000)  # the page scrolls to the new answer
        panel = page.locator("#qa-sources-panel").bounding_box()
        assert -1 <= panel["y"] <= 40, panel  # the sources panel stays in view beside the conversation
        understood = page.locator("#qa-turn-2 .qa-understood")
        if understood.count():  # a rewrite, when there is one, stays in the question's language
            assert not re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]",
                                 understood.inner_text().split(":", 1)[1].lower())
        save_screenshot(page, tmp_path, "follow-up")


def test_on_a_phone_the_sources_sit_under_the_answer_and_a_tap_previews(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(width=390, height=844, touch=True, failure_shot=tmp_path / "phone-failure.png") as page:
        _open_page(page, app_url)
        _ask(page, QUESTION, 0)
        expect(page.locator("#qa-sources-col")).to_be_hidden()
        turn = page.locator("#qa-turn-0")
        inline = turn.locator(".qa-inline-sources")
        expect(inline).to_be_visible()
        reply_box, inline_box = turn.locator(".qa-reply").bounding_box(), inline.bounding_box()
        assert reply_box["y"] <= inline_box["y"] <= reply_box["y"] + reply_box["height"]  # inside the answer
        turn.locator(".qa-cite").first.tap()
        preview = turn.locator(".qa-preview").first
        expect(preview).to_be_visible()
        shown = preview.bounding_box()
        assert shown["x"] >= 0 and shown["x"] + shown["width"] <= 391  # all of it on screen
        preview.locator(".qa-open-source").tap()
        expect(page.locator("#qa-inline-0-1")).to_be_in_viewport()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 391  # nothing wider than the phone
        nested = page.evaluate("""[...document.querySelectorAll('#qa-conversation *')].filter(e => {
            const s = getComputedStyle(e); return /(auto|scroll)/.test(s.overflowY) && e.scrollHeight > e.clientHeight;
        }).length""")
        assert nested == 0  # one scroll area: the page
        save_screenshot(page, tmp_path, "answer-phone")


def test_history_survives_a_reload_and_clearing_asks_first(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(failure_shot=tmp_path / "history-failure.png") as page:
        _open_page(page, app_url)
        page.locator(".qa-chip", has_text=EXAMPLES[1]).click()  # an example chip sends its question
        page.locator("#qa-turn-0 .qa-reply").wait_for(timeout=ANSWER_TIMEOUT_MS)
        expect(page.locator("#qa-turn-0 .qa-question")).to_contain_text(EXAMPLES[1])
        page.reload()
        _open_page(page, app_url)
        expect(page.locator("#qa-turn-0 .qa-question")).to_contain_text(EXAMPLES[1], timeout=30_000)
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.locator("#qa-clear").click()
        page.wait_for_timeout(1500)
        expect(page.locator("#qa-turn-0")).to_be_visible()  # "no" keeps the conversation
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#qa-clear").click()
        expect(page.locator("#qa-turn-0")).to_have_count(0, timeout=30_000)
        page.locator("#qa-question textarea").first.press("Enter")  # an empty box does nothing
        page.wait_for_timeout(1500)
        assert page.locator("[data-testid='toast-body']").count() == 0


def test_controls_are_labelled_and_developer_links_hidden(app_url):
    with chromium_page() as page:
        _open_page(page, app_url)
        assert page.get_by_label("Câu hỏi (question)").count() >= 1
        snapshot = page.locator("body").aria_snapshot()
        assert "common." not in snapshot and "Textbox" not in snapshot  # no raw i18n keys, no unnamed boxes
        assert page.get_by_text("Use via API").count() == 0 and page.get_by_text("Settings").count() == 0


def test_invalid_date_is_refused_in_vietnamese(app_url):
    from playwright.sync_api import expect

    with chromium_page() as page:
        _open_page(page, app_url)
        page.get_by_text("Tuỳ chọn (options)").click()
        page.get_by_label("Từ ngày (from, YYYY-MM-DD)").fill("2022-13-45")
        page.locator("#qa-question textarea").first.fill(QUESTION)
        page.locator("#qa-ask").click()
        expect(page.locator("[data-testid='toast-body']").first).to_contain_text("không hợp lệ", timeout=30_000)
        expect(page.locator("#qa-question textarea").first).to_have_value(QUESTION)  # kept, to be corrected


def test_api_returns_the_answer_contract(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict(QUESTION, api_name="/ask")
    result = json.loads(result) if isinstance(result, str) else result
    assert CONTRACT_KEYS <= set(result)
    assert isinstance(result["abstained"], bool) and 0.0 <= result["confidence"] <= 1.0
    assert result["citations"], "even an abstention lists the closest passages"
    for citation in result["citations"]:
        assert CITATION_KEYS <= set(citation)
        assert citation["end"] - citation["start"] == len(citation["passage"])
        assert citation["start"] <= citation["sentence_start"] <= citation["sentence_end"] <= citation["end"]
    first = result["citations"][0]
    if not result["abstained"]:
        offset = first["start"]
        assert first["passage"][first["sentence_start"] - offset : first["sentence_end"] - offset] == result["sentence"]
        if first["answer_start"] is not None:
            assert first["passage"][first["answer_start"] - offset : first["answer_end"] - offset] == result["text"]
    assert len(client.predict(QUESTION, 2, api_name="/ask")["citations"]) <= 2


def _assert_nothing_ran(page, dialogs: list[str]) -> None:
    """No payload executed, and none of the elements that would carry one exists in the page."""
    assert page.evaluate("typeof window.__pwned") == "undefined" and dialogs == []
    assert page.locator("img[src='x'], iframe, svg[onload], b[onmouseover]").count() == 0
    assert page.locator("a[href^='javascript'], a[href^='x']").count() == 0
    assert not page.evaluate("[...document.scripts].some(s => s.textContent.includes('__pwned'))")


def test_a_new_collection_from_uploads_answers_escapes_and_leaves_the_sample_alone(tmp_path):
    """Uploads make a collection of their own (in a throwaway ``QA_EMBEDDINGS_DIR``); the sample is read-only."""
    from playwright.sync_api import expect

    embeddings = tmp_path / "embeddings"
    link_models(embeddings)
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    records = tmp_path / "hostile.jsonl"
    records.write_text(json.dumps(HOSTILE_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    env = {"QA_EMBEDDINGS_DIR": str(embeddings)}
    with running_app(tmp_path, env=env) as url, chromium_page(failure_shot=tmp_path / "collection-failure.png") as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        _open_page(page, url)
        page.get_by_text("Bộ sưu tập của bạn (your collections)").click()
        expect(page.locator("#qa-add")).to_be_disabled()  # the sample takes no uploads
        page.locator("#qa-upload input[type='file']").set_input_files([str(hostile), str(records), HTML_PAGE])
        expect(page.locator("#qa-upload")).to_contain_text(re.compile(r"hostile\s*\.jsonl"), timeout=30_000)
        page.locator("#qa-new-name textarea, #qa-new-name input").first.fill("tin-moi")
        page.locator("#qa-create").click()
        status = page.locator("#qa-upload-status")
        expect(status).to_contain_text("Đã tạo bộ sưu tập tin-moi", timeout=ANSWER_TIMEOUT_MS)
        expect(status).to_contain_text("vnexpress-buyt-dien.html: 1 bài")
        expect(page.locator("#qa-summary")).to_contain_text("tin-moi")
        expect(page.locator("#qa-articles")).to_contain_text("Hà Nội mở thêm 12 tuyến buýt điện từ tháng 6")

        _ask(page, "Ai chủ trì hội thảo an ninh mạng năm 2023?", 0)
        conversation = page.locator("#qa-conversation")
        expect(conversation).to_contain_text("<script>window.__pwned=1</script>")  # the proof, as text
        card = page.locator("#qa-sources-panel .qa-source", has_text="window.__pwned").first
        card.locator("details.qa-full summary").click()
        expect(card.locator(".qa-article")).to_contain_text('<img src=x onerror="window.__pwned=1">', timeout=30_000)
        expect(card.locator(".qa-article")).to_contain_text("[click](javascript:window.__pwned=1) và **bảo mật**")
        _assert_nothing_ran(page, dialogs)

        _ask(page, "Hà Nội mở thêm bao nhiêu tuyến buýt điện?", 1)
        expect(page.locator("#qa-panel-1-1")).to_contain_text("2023")  # the saved page's own date
        _ask(page, HOSTILE_QUESTION, 2)  # a hostile question, about the hostile JSON Lines article
        expect(page.locator("#qa-turn-2 .qa-question")).to_contain_text(HOSTILE_QUESTION)
        expect(page.locator(".qa-panel-turn[data-turn='2']")).to_contain_text(HOSTILE_RECORD["title"])
        shown = page.locator("#qa-conversation").inner_html() + page.locator("#qa-sources-panel").inner_html()
        assert "/tmp/" not in shown and str(tmp_path) not in shown  # no server folder, not even in a tooltip
        _assert_nothing_ran(page, dialogs)

        chooser = page.locator("#qa-remove-ids input").first
        chooser.fill("hostile-jsonl")  # the dropdown filters its choices as one types
        chooser.press("Enter")
        page.locator("#qa-remove").click()
        expect(status).to_contain_text("Đã xoá 1 bài", timeout=ANSWER_TIMEOUT_MS)
        expect(page.locator("#qa-articles")).not_to_contain_text("hostile-jsonl")
        save_screenshot(page, tmp_path, "collection")
    stored = (embeddings / "index" / "tin-moi" / "articles.jsonl").read_text(encoding="utf-8")
    assert '"id": "hostile"' in stored and "hostile-jsonl" not in stored
    sample = (embeddings / "index" / "sample" / "articles.jsonl").read_text(encoding="utf-8")
    assert "hostile" not in sample and "buyt" not in sample
    shared = indexes_dir() / "sample" / "articles.jsonl"
    assert not shared.is_file() or "hostile" not in shared.read_text(encoding="utf-8")


@pytest.mark.timeout(1200)
def test_the_first_start_serves_a_progress_page_at_once(tmp_path):
    """On a fresh machine (an empty ``QA_EMBEDDINGS_DIR``: the models are rebuilt and exported, the
    sample indexed), the page answers within seconds and shows what is being prepared."""
    from playwright.sync_api import expect

    embeddings = tmp_path / "embeddings"
    with running_app(tmp_path, env={"QA_EMBEDDINGS_DIR": str(embeddings)}, ready=False) as url, \
            chromium_page(failure_shot=tmp_path / "first-start-failure.png") as page:
        page.goto(url)
        expect(page.locator("#qa-preparing")).to_contain_text("Đang chuẩn bị", timeout=30_000)
        expect(page.locator("#qa-preparing")).to_contain_text("Bước")
        page.locator("#qa-question textarea").first.wait_for(timeout=STARTUP_SECONDS * 1000)
        expect(page.locator("#qa-preparing")).to_be_hidden()
        expect(page.locator("#qa-summary")).to_contain_text("2 bài báo", timeout=30_000)
