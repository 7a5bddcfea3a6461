"""The page itself: a conversation of cited answers beside a sources panel, and the API for programs.

This module only places the components and wires their events to ``WebApp``; what the
events do lives in ``handlers``, what runs in the browser in ``page_script``. Answers run
several at once, collection changes one at a time, and the only public API endpoint is ``/ask``.
"""

from __future__ import annotations

import gradio as gr

from qa.sample import SAMPLE_INDEX_NAME
from qa.web.cards import empty_sources_html
from qa.web.escape import esc
from qa.web.handlers import WebApp
from qa.web.history import turns_to_json
from qa.web.indexes import index_names
from qa.web.inputs import DEFAULT_K, MAX_K
from qa.web.page_script import CONFIRM_CLEAR_JS, CONFIRM_DELETE_JS, CONVERSATION_JS, CSS, PANEL_JS
from qa.web.readiness import status_html
from qa.web.render import render_conversation
from qa.web.state import preparation
from qa.web.uploads import MAX_UPLOAD_MB, UPLOAD_SUFFIXES

TITLE = "Hỏi đáp tin tức có trích dẫn"
ANSWER_CONCURRENCY = 4  # retrieval and ranking run in parallel; embedding calls are serialised
HISTORY_KEY = "qa-conversation"
EXAMPLES = (
    "Ai chủ trì hội nghị tổng kết công tác năm 2022?",
    "Cuộc gặp mặt diễn ra khi nào?",
    "Hội nghị tổng kết được tổ chức ở đâu?",
    "Cục Truyền thông CAND hợp tác với bao nhiêu cơ quan báo chí?",
    "Cục mở rộng hợp tác với những cơ quan báo chí nào?",
    "Who chaired the meeting with the eight press agencies?",
    "ai chu tri hoi nghi tong ket nam 2022",
)

_HEADER = (f'<div class="qa-header"><h1>{esc(TITLE)}</h1><p>Hỏi bằng tiếng Việt (có hoặc không dấu) hoặc tiếng Anh; '
           "mọi câu trả lời được trích nguyên văn từ bài báo, kèm nguồn. "
           "(Cited answers from Vietnamese news: every answer is copied from an article.)</p></div>")


def _options():
    with gr.Accordion("Tuỳ chọn (options)", open=False):
        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="Số nguồn (number of sources)")
        with gr.Row():
            date_from = gr.Textbox(label="Từ ngày (from, YYYY-MM-DD)", placeholder="2022-01-01", max_length=10)
            date_to = gr.Textbox(label="Đến ngày (to, YYYY-MM-DD)", placeholder="2022-12-31", max_length=10)
    return dict(k=k, date_from=date_from, date_to=date_to)


def _collections():
    kinds = ", ".join(UPLOAD_SUFFIXES)
    with gr.Accordion("Bộ sưu tập của bạn (your collections)", open=False, elem_id="qa-collections"):
        gr.Markdown("Tạo bộ sưu tập riêng từ tệp của bạn; bộ sưu tập mẫu chỉ để đọc. "
                    f"(Make a collection of your own from files: {kinds}, at most {MAX_UPLOAD_MB} MB each.)")
        with gr.Row():
            new_name = gr.Textbox(label="Tên bộ sưu tập mới (new collection name)", placeholder="tin-cua-toi",
                                  max_length=48, elem_id="qa-new-name")
            create = gr.Button("Tạo từ các tệp đã chọn (create from the chosen files)", elem_id="qa-create")
        files = gr.File(label=f"Tệp bài báo (article files: {kinds})", file_count="multiple",
                        file_types=list(UPLOAD_SUFFIXES), elem_id="qa-upload")
        add = gr.Button("Thêm vào bộ sưu tập đang chọn (add to the selected collection)", elem_id="qa-add")
        status = gr.Markdown(elem_id="qa-upload-status")
        articles = gr.Dataframe(headers=["Tiêu đề (title)", "Ngày (date)", "Nguồn (source)", "Mã (id)"],
                                interactive=False, wrap=True, max_height=320, label="Các bài trong bộ sưu tập (articles)",
                                elem_id="qa-articles")
        with gr.Row():
            remove_ids = gr.Dropdown([], multiselect=True, label="Chọn bài để xoá (articles to remove)",
                                     elem_id="qa-remove-ids", scale=4)
            remove = gr.Button("Xoá bài đã chọn (remove)", variant="stop", elem_id="qa-remove", scale=1)
        delete = gr.Button("Xoá cả bộ sưu tập này (delete this collection)", variant="stop", size="sm",
                           elem_id="qa-delete")
    return dict(new_name=new_name, create=create, files=files, add=add, status=status, articles=articles,
                remove_ids=remove_ids, remove=remove, delete=delete)


def _ask_chain(app: WebApp, trigger, c: dict) -> None:
    """Check, answer, then empty the box; a rejected question stays there to be corrected."""
    inputs = [c["question"], c["history"], c["k"], c["date_from"], c["date_to"], c["collection"]]
    trigger(app.validate, inputs, None, api_visibility="private", concurrency_limit=None).success(
        app.respond, inputs, [c["conversation"], c["sources"], c["history"]], api_visibility="private",
        show_progress_on=c["conversation"], concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY,
    ).success(lambda: "", None, c["question"], api_visibility="private", queue=False)


def _wire(app: WebApp, c: dict, demo: gr.Blocks) -> None:
    _ask_chain(app, c["question"].submit, c)
    _ask_chain(app, c["ask"].click, c)
    for chip, example in zip(c["chips"], EXAMPLES):
        set_box = chip.click(lambda text=example: text, None, c["question"], api_visibility="private", queue=False)
        _ask_chain(app, set_box.then, c)
    c["clear"].click(app.clear, [c["confirmed"]], [c["conversation"], c["sources"], c["history"], c["question"]],
                     js=CONFIRM_CLEAR_JS, api_visibility="private")
    collection_view = [c["summary"], c["articles"], c["remove_ids"], c["remove"], c["add"], c["examples"], c["delete"]]
    c["delete"].click(app.delete_collection, [c["confirmed"], c["collection"]], [c["status"], c["collection"]],
                      js=CONFIRM_DELETE_JS, api_visibility="private", concurrency_id="collections", concurrency_limit=1)
    c["collection"].change(app.collection_changed, [c["collection"]], collection_view, api_visibility="private")
    c["create"].click(app.create_collection, [c["new_name"], c["files"]],
                      [c["status"], c["collection"], c["files"], c["new_name"]],
                      api_visibility="private", concurrency_id="collections", concurrency_limit=1)
    c["add"].click(app.add_files, [c["files"], c["collection"]], [c["status"], *collection_view, c["files"]],
                   api_visibility="private", concurrency_id="collections", concurrency_limit=1)
    c["remove"].click(app.remove_articles, [c["remove_ids"], c["collection"]], [c["status"], *collection_view],
                      api_visibility="private", concurrency_id="collections", concurrency_limit=1)
    page = [*collection_view, c["conversation"], c["sources"]]
    # On every load (collections made since, by the command line say, join the list) and at each
    # tick of the first start: the waiting page or the chat, then the collection and the history.
    loaded = demo.load(app.refresh_collections, [c["collection"]], [c["collection"]], api_visibility="private",
                       queue=False)
    for start in (loaded.then, c["timer"].tick):
        start(app.poll_preparation, None, [c["preparing"], c["main"], c["timer"]], api_visibility="private",
              queue=False).then(app.page_state, [c["collection"], c["history"]], page, api_visibility="private")
    gr.api(app.api_ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)


def _arguments(sent: object, count: int) -> list:
    """A script's call arrives as one list of its arguments; a short or odd one is padded, not trusted."""
    values = list(sent) if isinstance(sent, (list, tuple)) else [sent]
    return (values + [None] * count)[:count]


def _server_functions(app: WebApp) -> dict:
    """What the page's scripts may call, as plain one-argument functions (Gradio marks them,
    which a bound method refuses, and passes a script's arguments as one list)."""

    def record_feedback(sent):
        payload, rating, note, feedback_id = _arguments(sent, 4)
        return app.record_feedback(payload if isinstance(payload, dict) else {}, rating, note or "", feedback_id or "")

    def full_article(sent):
        collection, doc_id, marks = _arguments(sent, 3)
        return app.full_article(collection, doc_id, marks if isinstance(marks, list) else [])

    return dict(record_feedback=record_feedback, full_article=full_article)


def _main(app: WebApp) -> dict:
    c: dict = {}
    calls = _server_functions(app)
    with gr.Row(equal_height=False, elem_id="qa-top"):
        gr.HTML(_HEADER, scale=3)
        c["collection"] = gr.Dropdown(index_names(), value=SAMPLE_INDEX_NAME, label="Bộ sưu tập (collection)",
                                      elem_id="qa-collection", scale=1, min_width=200)
    c["summary"] = gr.HTML(elem_id="qa-summary")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=340):
            c["conversation"] = gr.HTML(render_conversation([], []), elem_id="qa-conversation", js_on_load=CONVERSATION_JS,
                                        server_functions=[calls["record_feedback"], calls["full_article"]])
            with gr.Row(elem_id="qa-ask-row"):
                c["question"] = gr.Textbox(label="Câu hỏi (question)", show_label=False, scale=5, max_length=1000,
                                           placeholder="Nhập câu hỏi… (type a question)", elem_id="qa-question",
                                           autofocus=True)
                c["ask"] = gr.Button("Hỏi (ask)", variant="primary", scale=1, min_width=80, elem_id="qa-ask")
            with gr.Row(elem_id="qa-examples") as c["examples"]:
                c["chips"] = [gr.Button(q, size="sm", elem_classes=["qa-chip"]) for q in EXAMPLES]
            c["clear"] = gr.Button("Xoá hội thoại (clear conversation)", size="sm", elem_id="qa-clear")
            c["confirmed"] = gr.Checkbox(False, visible=False)
            c.update(_options())
            c.update(_collections())
        with gr.Column(scale=2, min_width=320, elem_id="qa-sources-col"):
            c["sources"] = gr.HTML(empty_sources_html(), elem_id="qa-sources-panel", js_on_load=PANEL_JS,
                                   server_functions=[calls["full_article"]])
    return c


def build_demo(app: WebApp | None = None) -> gr.Blocks:
    """The whole page over ``app`` (tests give one over fake assistants); ``launch()`` serves it."""
    app = app or WebApp()
    waiting = app.preparation is not None and not app.preparation.status().ready
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        history = gr.BrowserState(turns_to_json([]), storage_key=HISTORY_KEY)
        preparing = gr.HTML(status_html(app.preparation.status()) if waiting else "", visible=waiting,
                            elem_id="qa-preparing")
        timer = gr.Timer(1.0, active=waiting)
        with gr.Column(visible=not waiting, elem_id="qa-main") as main:
            c = _main(app)
        c.update(history=history, preparing=preparing, timer=timer, main=main)
        _wire(app, c, demo)
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=64)
    return demo


def launch(*, host: str, port: int) -> None:
    """Serve at once and prepare the sample collection meanwhile; never through a public share
    link, which would expose the machine."""
    prepared = preparation()
    prepared.start()
    build_demo(WebApp(preparation=prepared)).launch(
        server_name=host, server_port=port, share=False, max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS,
        theme=gr.themes.Soft(), show_error=False, footer_links=[])
