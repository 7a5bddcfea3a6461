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
from support.browser import chromium_missing_reason, chromium_page, link_models, running_app, save_screenshot

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
                 "language", "resolved_date", "alternatives", "notes"}
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
    page.locator(f".qa-source[id^='qa-src-{turn}-']").first.wait_for(timeout=ANSWER_TIMEOUT_MS)


def _open_page(page, url: str) -> None:
    page.goto(url)
    page.locator("#qa-question textarea").first.wait_for(timeout=60_000)


def test_question_gets_a_cited_answer_and_highlighted_source(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(failure_shot=tmp_path / "answer-failure.png") as page:
        _open_page(page, app_url)
        _ask(page, QUESTION, 0)
        answer = page.locator("#qa-chat [data-testid='bot']").last
        expect(answer).to_contain_text("Độ tin cậy")
        assert answer.locator("strong").first.inner_text().strip()  # the short answer, in bold
        marker = answer.locator("a[href='#qa-src-0-1']").first
        expect(marker).to_have_text("[1]")
        marker.click()
        card = page.locator("#qa-src-0-1")
        expect(card).to_be_in_viewport()
        expect(card.locator(".qa-passage mark").first).to_be_visible()
        card.locator("details.qa-full summary").click()
        sentence = card.locator(".qa-article mark.qa-sentence").first
        sentence.scroll_into_view_if_needed()
        expect(sentence).to_be_visible()
        assert sentence.inner_text().strip()
        shot = save_screenshot(page, tmp_path, "answer-with-sources")
    assert shot.stat().st_size > 10_000


def test_follow_up_is_answered_in_context(app_url, tmp_path):
    from playwright.sync_api import expect

    with chromium_page(failure_shot=tmp_path / "follow-up-failure.png") as page:
        _open_page(page, app_url)
        _ask(page, QUESTION, 0)
        _ask(page, "Còn cuộc gặp mặt thì diễn ra khi nào?", 1)
        reply = page.locator("#qa-chat [data-testid='bot']").last
        expect(reply).to_contain_text("hiểu là: Cuộc gặp mặt diễn ra khi nào?")
        save_screenshot(page, tmp_path, "follow-up")


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


def test_uploaded_hostile_article_shows_as_text(tmp_path):
    """Upload into a throwaway index (its own QA_EMBEDDINGS_DIR); the shared sample is untouched."""
    from playwright.sync_api import expect

    embeddings = tmp_path / "embeddings"
    link_models(embeddings)
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    records = tmp_path / "hostile.jsonl"
    records.write_text(json.dumps(HOSTILE_RECORD, ensure_ascii=False) + "\n", encoding="utf-8")
    env = {"QA_EMBEDDINGS_DIR": str(embeddings)}
    with running_app(tmp_path, env=env) as url, chromium_page(failure_shot=tmp_path / "hostile-failure.png") as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        _open_page(page, url)
        page.get_by_text("Thêm bài báo vào chỉ mục (add articles)").click()
        page.locator("#qa-upload input[type='file']").set_input_files([str(hostile), str(records)])
        expect(page.locator("#qa-upload")).to_contain_text(re.compile(r"hostile\s*\.jsonl"), timeout=30_000)
        page.locator("#qa-add").click()
        expect(page.locator("#qa-upload-status")).to_contain_text("2 bài mới", timeout=ANSWER_TIMEOUT_MS)
        _ask(page, "Ai chủ trì hội thảo an ninh mạng năm 2023?", 0)
        chat = page.locator("#qa-chat")
        expect(chat).to_contain_text("<script>window.__pwned=1</script>")  # the supporting sentence, as text
        card = page.locator(".qa-source", has_text="window.__pwned").first
        card.locator("details.qa-full summary").click()
        expect(card.locator(".qa-article")).to_contain_text('<script>window.__pwned=1</script>')
        expect(card.locator(".qa-article")).to_contain_text('<img src=x onerror="window.__pwned=1">')
        expect(card.locator(".qa-article")).to_contain_text("[click](javascript:window.__pwned=1) và **bảo mật**")
        save_screenshot(page, tmp_path, "hostile-article")
        _assert_nothing_ran(page, dialogs)

        _ask(page, HOSTILE_QUESTION, 1)  # a hostile question, about the hostile JSON Lines article
        expect(chat.locator("[data-testid='user']").last).to_contain_text(HOSTILE_QUESTION)
        card = page.locator("#qa-src-1-1")
        expect(card).to_contain_text(HOSTILE_RECORD["title"])
        expect(card).to_contain_text("<svg onload=")
        card.locator("details.qa-full summary").click()
        expect(card.locator(".qa-article")).to_contain_text(HOSTILE_RECORD["text"])
        save_screenshot(page, tmp_path, "hostile-question")
        _assert_nothing_ran(page, dialogs)
    assert '"id": "hostile"' in (embeddings / "index" / "sample" / "articles.jsonl").read_text(encoding="utf-8")
    shared = indexes_dir() / "sample" / "articles.jsonl"
    assert not shared.is_file() or '"id": "hostile"' not in shared.read_text(encoding="utf-8")
