"""The page itself: a chat of cited answers beside a sources panel, and the API for programs.

This module only places the components and wires their events to ``WebApp``; what the
events do lives in ``handlers``. Answers run several at once, uploads one at a time, and the
only public API endpoint is ``/ask``.
"""

from __future__ import annotations

import gradio as gr

from qa.sample import SAMPLE_INDEX_NAME
from qa.web.escape import esc
from qa.web.handlers import WebApp
from qa.web.indexes import index_names
from qa.web.inputs import DEFAULT_K, MAX_K
from qa.web.render import empty_sources_html
from qa.web.uploads import MAX_UPLOAD_MB, UPLOAD_SUFFIXES

TITLE = "Hỏi đáp tin tức có trích dẫn"
ANSWER_CONCURRENCY = 4  # retrieval and ranking run in parallel; embedding calls are serialised
EXAMPLES = (
    "Ai chủ trì hội nghị tổng kết công tác năm 2022?",
    "Cuộc gặp mặt diễn ra khi nào?",
    "Hội nghị tổng kết được tổ chức ở đâu?",
    "Cục Truyền thông CAND hợp tác với bao nhiêu cơ quan báo chí?",
    "Cục mở rộng hợp tác với những cơ quan báo chí nào?",
    "Who chaired the meeting with the eight press agencies?",
    "ai chu tri hoi nghi tong ket nam 2022",
)

CSS = """
.qa-header h1 { margin: 0; font-size: 1.55rem; }
.qa-header p { margin: .25rem 0 0; color: var(--body-text-color-subdued); }
.qa-sources { max-height: 74vh; overflow-y: auto; padding-right: 4px; }
.qa-sources-head { font-size: .9em; color: var(--body-text-color-subdued); margin-bottom: .5rem; }
.qa-legend { font-size: .8em; margin-bottom: .6rem; }
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-primary); scroll-margin-top: 8px; }
.qa-source:target { outline: 2px solid var(--color-accent); }
.qa-source-head { line-height: 1.35; }
.qa-num { font-weight: 700; color: var(--color-accent); margin-right: .25rem; }
.qa-title { font-weight: 600; }
.qa-meta { font-size: .82em; color: var(--body-text-color-subdued); margin: .25rem 0 .45rem; }
.qa-passage { padding: .45rem .65rem; border-left: 3px solid var(--color-accent); white-space: pre-wrap;
  font-size: .93em; line-height: 1.55; background: var(--background-fill-secondary); border-radius: 0 6px 6px 0; }
.qa-full { margin-top: .5rem; }
.qa-full summary { cursor: pointer; font-size: .88em; color: var(--color-accent); }
.qa-article { white-space: pre-wrap; max-height: 46vh; overflow-y: auto; font-size: .9em; line-height: 1.55;
  padding: .45rem .65rem; margin-top: .35rem; border: 1px solid var(--border-color-primary); border-radius: 6px; }
mark.qa-sentence { background: #fff0a6; color: #1f2328; padding: 0 1px; border-radius: 2px; }
mark.qa-answer { background: #ffbf2e; color: #1f2328; font-weight: 700; border-radius: 2px; }
.qa-muted { color: var(--body-text-color-subdued); font-size: .9em; }
.qa-note { font-weight: 600; }
.qa-empty { padding: 1rem; border: 1px dashed var(--border-color-primary); border-radius: 10px; }
"""

_HEADER = (f'<div class="qa-header"><h1>{esc(TITLE)}</h1><p>Hỏi về các bài báo bằng tiếng Việt (có hoặc không dấu) '
           "hoặc tiếng Anh. Mọi câu trả lời được trích nguyên văn từ bài báo, kèm nguồn. "
           "(Cited answers from Vietnamese news: every answer is copied from an article.)</p></div>")

# After a click on a marker of an earlier answer, its sources arrive a moment later: scroll then.
_SCROLL_TO_TARGET = "() => { const id = decodeURIComponent(location.hash.slice(1)); " \
                    "const card = id && document.getElementById(id); if (card) card.scrollIntoView({block: 'start'}); }"


def _controls():
    with gr.Accordion("Tuỳ chọn (options)", open=False):
        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="Số nguồn (number of sources)")
        with gr.Row():
            date_from = gr.Textbox(label="Từ ngày (from, YYYY-MM-DD)", placeholder="2022-01-01", max_length=10)
            date_to = gr.Textbox(label="Đến ngày (to, YYYY-MM-DD)", placeholder="2022-12-31", max_length=10)
        index = gr.Dropdown(index_names(), value=SAMPLE_INDEX_NAME, label="Chỉ mục (index)")
        info = gr.Markdown()
    return k, date_from, date_to, index, info


def _upload_box():
    with gr.Accordion("Thêm bài báo vào chỉ mục (add articles)", open=False):
        files = gr.File(label=f"Tệp .txt hoặc .jsonl, tối đa {MAX_UPLOAD_MB} MB mỗi tệp", file_count="multiple",
                        file_types=list(UPLOAD_SUFFIXES), elem_id="qa-upload")
        add = gr.Button("Thêm vào chỉ mục (add to index)", elem_id="qa-add")
        status = gr.Markdown(elem_id="qa-upload-status")
    return files, add, status


def _wire(app: WebApp, c: dict) -> None:
    ask_inputs = [c["question"], c["turns"], c["k"], c["date_from"], c["date_to"], c["index"]]
    for trigger in (c["question"].submit, c["ask"].click):
        # Checking first keeps an input mistake to a pop-up (no error badge over the chat); the box
        # is emptied only once answered, so a rejected question stays there to be corrected.
        trigger(app.validate, ask_inputs, None, api_visibility="private", concurrency_limit=None).success(
            app.respond, ask_inputs, [c["chat"], c["turns"], c["sources"]], api_visibility="private",
            show_progress_on=c["chat"], concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY,
        ).success(lambda: "", None, c["question"], api_visibility="private", queue=False)
    c["chat"].select(app.show_turn, [c["turns"]], [c["sources"]], api_visibility="private").then(
        None, js=_SCROLL_TO_TARGET, api_visibility="private")
    for trigger in (c["clear"].click, c["chat"].clear):  # the button, and the chat's own bin icon
        trigger(app.clear, None, [c["chat"], c["turns"], c["sources"], c["question"]], api_visibility="private")
    c["index"].change(app.index_info, [c["index"]], [c["info"]], api_visibility="private")
    c["add"].click(app.add_files, [c["files"], c["index"]], [c["status"], c["info"], c["files"]],
                   api_visibility="private", concurrency_id="upload", concurrency_limit=1)
    gr.api(app.api_ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)


def build_demo(app: WebApp | None = None) -> gr.Blocks:
    """The whole page over ``app`` (tests give one over fake assistants); ``launch()`` serves it."""
    app = app or WebApp()
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(_HEADER)
        turns = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                chat = gr.Chatbot(label="Hỏi đáp (chat)", show_label=False, buttons=["copy", "copy_all"],
                                  elem_id="qa-chat", height=540, sanitize_html=True,
                                  render_markdown=True, latex_delimiters=[], allow_tags=False, feedback_options=None,
                                  placeholder="Đặt câu hỏi về các bài báo… (ask about the articles)")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Nhập câu hỏi… (type a question)", scale=5,
                                          elem_id="qa-question", max_length=1000, autofocus=True)
                    ask = gr.Button("Hỏi (ask)", variant="primary", scale=1, min_width=90, elem_id="qa-ask")
                    clear = gr.Button("Xoá (clear)", scale=1, min_width=90)
                gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Câu hỏi mẫu (examples)")
                k, date_from, date_to, index, info = _controls()
                files, add, status = _upload_box()
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### Nguồn (sources)")
                sources = gr.HTML(empty_sources_html(), elem_id="qa-sources-panel")
        _wire(app, dict(question=question, turns=turns, k=k, date_from=date_from, date_to=date_to, index=index,
                        chat=chat, sources=sources, ask=ask, clear=clear, info=info, files=files, add=add,
                        status=status))
        demo.load(app.refresh_indexes, [index], [index], api_visibility="private").then(
            app.index_info, [index], [info], api_visibility="private")
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=64)
    return demo


def launch(*, host: str, port: int) -> None:
    """Serve the page until interrupted; never through a public share link, which would expose the machine."""
    build_demo().launch(server_name=host, server_port=port, share=False, max_file_size=f"{MAX_UPLOAD_MB}mb", css=CSS,
                        theme=gr.themes.Soft(), show_error=False)
