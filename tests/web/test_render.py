"""The page's HTML: escaping, highlights by offsets, answers with trust labels, markers with
previews, cited and related sources. Answers and citations are built by hand; no model or index."""

from __future__ import annotations

import html
import json
import re

from qa.answer.followup import Resolution
from qa.answer.render import DISAGREE, NOT_FOUND_VI
from qa.answer.types import Alternative, Answer, Citation
from qa.ingest.corpus import Article, ArticleDate
from qa.web.cards import card_id, cited_numbers, headline, outlet, source_cards, sources_panel, vi_date
from qa.web.escape import md_text
from qa.web.highlight import Mark, highlight
from qa.web.history import Turn
from qa.web.render import render_conversation, render_turn

HOSTILE = 'Tin nóng <script>alert(1)</script> và <img src=x onerror=alert(1)> cuối bài.'


def article(text: str, *, id: str = "a1", title: str = "Tiêu đề", day: str | None = "2022-12-28",
            source: str = "cand.com.vn", url: str | None = None, derived: bool = False) -> Article:
    return Article(id=id, title=title, date=ArticleDate.parse(day) if day else None, text=text, source=source, url=url,
                   title_derived=derived)


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
                resolved_date: str | None = None, alternatives: tuple[Alternative, ...] = (), trust: str | None = None,
                question: str = "Ai chủ trì?") -> Answer:
    return Answer(question=question, text=text, sentence=sentence, abstained=abstained, confidence=0.81,
                  citations=citations, question_type="who", resolved_date=resolved_date, alternatives=alternatives,
                  trust=trust)


def turn_of(answer: Answer, *, question: str = "Ai chủ trì?", resolution: Resolution | None = None,
            index: str = "sample") -> Turn:
    return Turn(question, resolution or Resolution(question), index, answer)


def visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# --- escaping ------------------------------------------------------------------------------


def test_hostile_article_question_and_answer_show_as_text():
    doc = article(HOSTILE, title='<img src=x onerror=alert(1)>', source="<script>x</script>", url="javascript:alert(1)")
    cited = citation_for(doc, sentence=(0, len(HOSTILE)), answer=(9, 34))
    answer = answer_with((cited,), text="<b onmouseover=alert(1)>x</b>", sentence=HOSTILE)
    page = render_conversation([turn_of(answer, question="<script>q</script>")], [{doc.id: doc}])
    page += sources_panel([(answer, "<script>q</script>", "sample")], [{doc.id: doc}])
    assert "<script" not in page and "<img" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page  # a non-http url is never linked
    payload = re.search(r'data-feedback="([^"]*)"', page).group(1)
    assert json.loads(html.unescape(payload))["question"] == "<script>q</script>"  # the attribute holds, escaped


def test_md_text_neutralises_markup_but_keeps_words():
    assert md_text("Chủ trì hội nghị.") == "Chủ trì hội nghị."
    for markup in ("# tiêu đề", "1. danh sách", "- gạch", "`code`", "$$x$$", "| a | b |", "~~s~~", "_i_"):
        escaped = md_text(markup)
        assert escaped != markup and "&#" in escaped
    assert "://" not in md_text("https://evil.example") and "www." not in md_text("www.evil.example")


# --- highlights by offsets -----------------------------------------------------------------


def test_highlight_uses_offsets_not_the_first_occurrence():
    text = "Ông Hà nói trước. Sau đó ông Hà chủ trì hội nghị."
    second = text.index("Hà", text.index("Hà") + 1)
    html_text = highlight(text, 0, [Mark(text.index("Sau"), len(text), "qa-sentence"), Mark(second, second + 2, "qa-answer")])
    assert html_text.startswith("Ông Hà nói trước. <mark")  # the first "Hà" is not marked
    assert '<mark class="qa-sentence">Sau đó ông <mark class="qa-answer">Hà</mark> chủ trì hội nghị.</mark>' in html_text
    assert re.sub(r"<[^>]+>", "", html_text) == text


def test_passage_highlight_is_shifted_by_the_passage_start():
    text = "Mở đầu bài. Hà dự. Hà chủ trì hội nghị. Kết bài."
    start = text.index("Hà dự")
    sentence = (text.index("Hà chủ"), text.index(" Kết"))
    doc = article(text)
    cited = citation_for(doc, sentence=sentence, answer=(sentence[0], sentence[0] + 2), passage=(start, len(text)))
    cards = source_cards(answer_with((cited,)), {doc.id: doc}, collection="sample", place="panel", turn=3)
    passage = re.search(r'<div class="qa-passage">(.*?)</div>', cards).group(1)
    assert passage.startswith("… Hà dự. <mark")
    assert '<mark class="qa-sentence"><mark class="qa-answer">Hà</mark> chủ trì hội nghị.</mark>' in passage
    # The full article is fetched on opening, with the citation's own offsets.
    marks = json.loads(html.unescape(re.search(r'data-marks="([^"]*)"', cards).group(1)))
    assert marks == [list(sentence), [sentence[0], sentence[0] + 2]]


def test_highlight_handles_crossing_empty_and_out_of_range_marks():
    text = "abcdefghij"
    assert highlight(text, 0, [Mark(2, 6, "s"), Mark(4, 9, "a")]) == 'ab<mark class="s">cd<mark class="a">ef</mark></mark>ghij'
    assert highlight(text, 0, [Mark(3, 3, "s")]) == text
    assert highlight(text, 100, [Mark(0, 105, "s")]) == '<mark class="s">abcde</mark>fghij'
    assert highlight("a<b", 0, []) == "a&lt;b"


# --- the answer ----------------------------------------------------------------------------


def test_answer_shows_label_bold_answer_date_and_a_smaller_proof():
    text = "Chiều 6.5, Cục tổ chức cuộc gặp mặt."
    doc = article(text, day="2022-05")
    cited = (citation_for(doc, sentence=(0, len(text)), answer=(0, 9)),
             citation_for(article("Bài khác.", id="b2"), sentence=(0, 9), number=2))
    shown = render_turn(turn_of(answer_with(cited, text="Chiều 6.5", sentence=text, resolved_date="2022-05-06")),
                        {doc.id: doc}, number=4)
    assert re.search(r'class="qa-trust qa-trust-answered" title="[^"]*: 81%">Trả lời \(answered\)</span>', shown)
    assert '<strong class="qa-answer-text">Chiều 6.5</strong> <span class="qa-resolved">(ngày 06/05/2022)</span>' in shown
    assert f'<blockquote class="qa-proof">{text}</blockquote>' in shown
    # The proof's marker is not repeated; the answer's marker reaches card 1 of this turn.
    assert 'data-turn="4" data-num="1"' in shown and card_id("inline", 4, 1) in shown


def test_unsure_answer_is_a_possibility_next_to_the_closest_passages():
    doc = article("Giá vàng hôm nay tăng 8 đồng.")
    cited = (citation_for(doc, sentence=(0, 29), answer=(22, 23)),)
    shown = render_turn(turn_of(answer_with(cited, text="8", trust="unsure")), {doc.id: doc}, number=0)
    assert "qa-trust-unsure" in shown and "Chưa chắc chắn (not sure)" in shown
    assert re.search(r'class="qa-possibly">Có thể là \(possibly\): </span><strong', shown)
    assert "closest passages" in shown
    assert "Trả lời (answered)" not in shown


def test_not_found_says_so_and_offers_the_closest_passages_as_related():
    doc = article("Đoạn gần nhất.")
    abstained = answer_with((citation_for(doc, sentence=(0, 0)),), text="", abstained=True)
    shown = render_turn(turn_of(abstained), {doc.id: doc}, number=0)
    assert NOT_FOUND_VI in shown and "Không tìm thấy (not found)" in shown and "qa-trust-not_found" in shown
    cards = source_cards(abstained, {doc.id: doc}, collection="sample", place="panel", turn=0)
    assert "Đoạn gần nhất (closest passages)" in cards and "Nguồn (sources)" not in cards
    assert "qa-sentence" not in cards.split("</h4>", 1)[1]  # no "supporting sentence" is claimed


def test_only_cited_passages_are_sources_the_others_are_related():
    docs = [article(f"Bài số {n}. Ông {n} chủ trì.", id=f"d{n}", day=f"202{n}-01") for n in range(1, 4)]
    cited = tuple(citation_for(d, sentence=(0, 9), answer=(0, 3), number=n) for n, d in enumerate(docs, start=1))
    answer = answer_with(cited, text="Ông 1", alternatives=(Alternative("Ông 3", "2023-01", 3),))
    assert cited_numbers(answer) == {1, 3}
    cards = source_cards(answer, {d.id: d for d in docs}, collection="sample", place="panel", turn=0)
    sources, related = cards.split("Liên quan (related)")
    assert 'data-num="1"' in sources and 'data-num="3"' in sources and 'data-num="2"' not in sources
    assert 'data-num="2"' in related and "<mark" not in related  # a related passage claims no proof


def test_disagreeing_articles_are_listed_newest_first_with_their_dates():
    new, old = article("Ông B chủ trì.", id="new", day="2022-12"), article("Ông A chủ trì.", id="old", day="2021-03")
    cited = (citation_for(new, sentence=(0, 14), number=1), citation_for(old, sentence=(0, 14), number=2))
    answer = answer_with(cited, text="Ông B", alternatives=(Alternative("Ông A", "2021-03", 2),), sentence="Ông B chủ trì.")
    text = visible_text(render_turn(turn_of(answer), {new.id: new, old.id: old}, number=0))
    assert DISAGREE in text
    assert text.index("Bài tháng 12/2022: Ông B") < text.index("Bài tháng 3/2021: Ông A")


def test_marker_previews_the_cited_sentence_with_title_and_date():
    text = "Mở đầu. Ông Hà chủ trì hội nghị tổng kết. Kết."
    doc = article(text, title="Hội nghị tổng kết", day="2022-12-28")
    sentence = (text.index("Ông"), text.index(" Kết"))
    shown = render_turn(turn_of(answer_with((citation_for(doc, sentence=sentence, answer=(sentence[0], sentence[0] + 6)),),
                                            text="Ông Hà")), {doc.id: doc}, number=2)
    preview = re.search(r'<span class="qa-preview" role="tooltip">(.*?)</span></span>', shown).group(1)
    assert visible_text(preview).startswith("Hội nghị tổng kếtngày 28/12/2022Ông Hà chủ trì hội nghị tổng kết.")
    assert "Mở đầu" not in preview


def test_reformulated_follow_up_is_shown():
    doc = article("Ông Hà chủ trì.")
    answer = answer_with((citation_for(doc, sentence=(0, 15)),), sentence="Ông Hà chủ trì.")
    rewritten = Resolution("Ai chủ trì hội nghị tháng 12?", "contrast")
    shown = render_turn(turn_of(answer, question="Còn tháng 12?", resolution=rewritten), {doc.id: doc}, number=1)
    assert "hiểu là / understood as: Ai chủ trì hội nghị tháng 12?" in shown
    assert "hiểu là" not in render_turn(turn_of(answer), {doc.id: doc}, number=1)


# --- source cards ----------------------------------------------------------------------------


def test_cards_name_articles_by_headline_not_file_or_cut_sentence():
    untitled = article("Ngày 28/12, tại Hà Nội, Cục tổ chức hội nghị.", title="Ngày 28/12, tại Hà Nội, Cục…",
                       source="/srv/upload/tmp123/cand-2022.txt", derived=True, day="2022-12")
    cited = citation_for(untitled, sentence=(0, 10))
    assert headline(cited, untitled) == "Bài tháng 12/2022"
    card = source_cards(answer_with((cited,)), {untitled.id: untitled}, collection="sample", place="panel", turn=0)
    shown = visible_text(card.split("</div>", 2)[1])  # the card's heading and meta line
    assert "tmp123" not in shown and ".txt" not in shown and "ký tự" not in shown
    assert outlet("https://vnexpress.net/a-1.html") == "vnexpress.net" and outlet("cand.com.vn") == "cand.com.vn"
    assert outlet("bai.jsonl") == "" and outlet("C:\\tin\\bai.txt") == ""


def test_panel_keeps_every_turn_and_shows_the_last():
    doc = article("Ông Hà chủ trì.")
    answer = answer_with((citation_for(doc, sentence=(0, 15)),))
    panel = sources_panel([(answer, "một", "sample"), (answer, "hai", "sample")], [{doc.id: doc}] * 2)
    assert '<div class="qa-panel-turn" data-turn="0" hidden>' in panel
    assert '<div class="qa-panel-turn" data-turn="1">' in panel
    assert card_id("panel", 0, 1) in panel and card_id("panel", 1, 1) in panel


def test_dates_are_shown_the_vietnamese_way_at_their_precision():
    assert vi_date("2022-05-06") == "ngày 06/05/2022"
    assert vi_date("2022-12") == "tháng 12/2022"
    assert vi_date("2022") == "năm 2022"
    assert vi_date(None) == "không rõ ngày"
