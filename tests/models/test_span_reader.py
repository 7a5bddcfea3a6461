"""The span reader's parts that need no trained weights: windows, span search, trimming."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.answer.spans import count_words
from qa.models.reader_inputs import ReaderTokenizer, Window, pad_batch
from qa.models.span_reader import AnswerFocus, best_span, tokens_within, trimmed, without_symbols


@pytest.fixture(scope="module")
def tokenizer() -> ReaderTokenizer:
    from qa.models.e5_rebuild import ensure_default_model

    return ReaderTokenizer.from_file(str(ensure_default_model() / "tokenizer.json"))


class _ModelStub:
    """Stands in for ``SpanModel`` in the tests that make readings up: excerpts are still sized
    by the reader's own tokenizer."""

    @property
    def tokenizer(self) -> ReaderTokenizer:
        from qa.models.span_reader import shared_span_model

        return shared_span_model().tokenizer


def test_best_span_maximises_start_plus_end_within_the_length_limit():
    start = np.array([9.0, 1.0, 5.0, 0.0, 0.0, 4.0])
    end = np.array([9.0, 0.0, 0.0, 3.0, 0.0, 6.0])
    allowed = np.array([False, True, True, True, True, True])
    # Token 0 is not allowed; among i <= j: (2, 5) = 11, (5, 5) = 10, (2, 3) = 8.
    assert best_span(start, end, allowed, max_tokens=10) == (2, 5, 11.0)
    # At most 2 tokens long, (2, 5) is out; (5, 5) = 10 wins over (2, 3) = 8.
    assert best_span(start, end, allowed, max_tokens=2) == (5, 5, 10.0)


def test_an_end_before_its_start_is_never_chosen():
    start = np.array([0.0, 0.0, 10.0])
    end = np.array([0.0, 10.0, 0.0])
    i, j, _ = best_span(start, end, np.array([False, True, True]), max_tokens=5)
    assert i <= j


def test_a_required_token_keeps_only_the_spans_that_hold_one():
    start = np.array([0.0, 9.0, 1.0, 0.0, 0.0])
    end = np.array([0.0, 9.0, 0.0, 2.0, 0.0])
    allowed = np.array([False, True, True, True, True])
    assert best_span(start, end, allowed, max_tokens=5)[:2] == (1, 1)
    number = np.array([False, False, False, True, False])
    assert best_span(start, end, allowed, max_tokens=5, required=number) == (1, 3, 11.0)
    assert best_span(start, end, allowed, max_tokens=2, required=number) == (2, 3, 3.0)
    # a window that writes no number keeps its own best span
    assert best_span(start, end, allowed, max_tokens=5, required=np.zeros(5, dtype=bool))[:2] == (1, 1)


def test_a_role_answer_lies_inside_the_clause_that_says_the_role():
    """Touching the clause is not enough: the reader's best span here runs from the attending
    clause into the chair's."""
    from qa.answer.role_clauses import role_clauses
    from qa.models.span_reader import SpanReaderSettings, window_reading

    text = "Thứ trưởng Tỏ dự; Thiếu tướng Phong chủ trì."
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    offsets = [(-1, -1), *words]
    window = Window(np.zeros(len(offsets), dtype=np.int64), np.array(offsets, dtype=np.int64), 0)
    start = np.array([0.0, 5.0, 1.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])  # "Thứ", "trưởng", "Tỏ", ...
    end = np.array([0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 9.0, 0.0, 0.0])  # ... "Tỏ" and "Phong"
    clauses = tokens_within(window, role_clauses(text, ("dự",)), len(text))
    reader_settings = SpanReaderSettings()

    def read(**focus):
        reading = window_reading(window, start, end, 0.0, reader_settings, **focus)
        return text[reading.start : reading.end]

    assert read() == "Tỏ dự; Thiếu tướng Phong"
    assert read(required=clauses) == "Tỏ dự; Thiếu tướng Phong"  # it touches the clause
    assert read(required=clauses, inside=True) == "Tỏ"


def test_the_tokens_of_a_number_are_the_ones_whose_characters_write_it():
    text = "Bác sĩ mổ cho 25 người, năm 2022."
    offsets = [(-1, -1), (0, 3), (4, 6), (7, 9), (10, 13), (14, 15), (15, 16), (17, 22), (22, 23), (24, 27), (28, 32)]
    window = Window(np.zeros(len(offsets), dtype=np.int64), np.array(offsets, dtype=np.int64), 0)
    marked = [text[a:b] for (a, b), held in zip(offsets, tokens_within(window, count_words(text), len(text))) if held]
    assert marked == ["2", "5"]


@pytest.mark.parametrize(("text", "expected"), [("2008,", "2008"), ("(1288)", "1288"), ("“Hà Nội”.", "Hà Nội"), ("ông Ba", "ông Ba")])
def test_trimming_drops_punctuation_a_token_drags_in(text, expected):
    start, end = trimmed(text, 0, len(text))
    assert text[start:end] == expected


@pytest.mark.parametrize(("typed", "read"), [
    ("\u202eAi chủ trì\u200b hội nghị?\u202c", "Ai chủ trì hội nghị?"),  # bidi controls, a zero-width space
    ("😀🔥 Ai chủ trì hội nghị? 🇻🇳🎉", "Ai chủ trì hội nghị?"),
    ("hội\u200bnghị tổng😀kết", "hội nghị tổng kết"),  # what joined two words leaves them apart
    ("con\u00adference", "conference"),  # a soft hyphen sits inside a word
    ("Ai chu\u0309 tri\u0300 ho\u0323i nghi\u0323?", "Ai chu\u0309 tri\u0300 ho\u0323i nghi\u0323?"),  # combining tone marks stay
])
def test_the_reader_reads_the_question_without_symbols_or_invisible_characters(typed, read):
    assert without_symbols(typed) == read


@pytest.mark.parametrize(("answer", "expected"), [
    ("Ngày 28/12, tại Hà Nội, Cục Truyền thông CAND tổ chức Hội nghị", "Ngày 28/12"),
    ("5h26 sáng 6/5 giờ địa phương, Hoàng tử Harry cùng vợ", "5h26 sáng 6/5 giờ địa phương"),
    # the comma before the date, and an answer without a date, are kept
    ("Sau Tết, chiều 6.5; hội nghị", "Sau Tết, chiều 6.5"),
    ("sau khi ăn, uống nước", "sau khi ăn, uống nước"),
])
def test_a_when_answer_ends_at_the_clause_after_its_date(answer, expected):
    from qa.answer.spans import dates
    from qa.ingest.corpus import ArticleDate
    from qa.models.span_reader import ended_after_its_date

    assert answer[: ended_after_its_date(answer, dates(answer, ArticleDate(2022, 12)))] == expected


@pytest.mark.parametrize(("answer", "expected"), [
    ("6 ca tử vong", "6 ca tử vong"),
    ("18 người, trong đó có 3 trẻ em", "18 người"),
    ("360.000 ca nhiễm và hơn 3.000 ca tử vong", "360.000 ca nhiễm"),
    ("3 người này không có triệu chứng sốt", "3 người này không"),
    # words before the count are kept; a date is not a count; no number: kept whole
    ("khoảng 100 công dân Việt Nam đang ở đó", "khoảng 100 công dân Việt"),
    ("ngày 6.5 có 18 người dự", "ngày 6.5 có 18 người dự"),
    ("đội giải nhất", "đội giải nhất"),
])
def test_a_how_many_answer_keeps_its_count_and_unit_but_not_the_clause_after(answer, expected):
    from qa.models.span_reader import ended_after_its_count

    assert answer[: ended_after_its_count(answer)] == expected


def test_trimming_keeps_the_bracket_a_span_opened():
    text = "Cục Truyền thông Công an nhân dân (CAND) tổ chức hội nghị."
    start, end = trimmed(text, 0, text.index(")"))  # the tokens stop before the closing bracket
    assert text[start:end] == "Cục Truyền thông Công an nhân dân (CAND)"
    start, end = trimmed(text, text.index("(") + 1, text.index(")") + 1)  # "CAND)": no bracket was opened
    assert text[start:end] == "CAND"


VIETNAMESE = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ,.0123456789TPHCM",
                     min_size=1, max_size=400)


@settings(max_examples=40, deadline=None)
@given(passage=VIETNAMESE, question=VIETNAMESE)
def test_every_passage_token_maps_back_to_its_own_text(tokenizer, passage, question):
    """Window offsets are character spans of the passage, in order, inside every window."""
    q_ids = tokenizer.question_ids([question])[0]
    (ids, spans), = tokenizer.passage_tokens([passage])
    windows = tokenizer.windows(q_ids, (ids, spans), passage_index=0, max_tokens=64, stride=16)
    covered = set()
    for window in windows:
        assert len(window.input_ids) <= 64
        assert window.input_ids[0] == tokenizer.bos_id and window.input_ids[-1] == tokenizer.eos_id
        offsets = window.offsets[window.answer_mask]
        assert np.all(offsets[:, 0] <= offsets[:, 1]) and np.all(offsets[:, 1] <= len(passage))
        assert np.all(np.diff(offsets[:, 0]) >= 0)
        covered |= {tuple(o) for o in offsets.tolist()}
    assert covered == {tuple(s) for s in spans}  # no passage token falls between windows


@pytest.mark.timeout(60)
def test_a_question_too_long_for_the_window_still_gives_windows_that_move_on(tokenizer):
    """A question of 48 tokens leaves a 64-token window 12 for the passage: the question is cut
    and the windows advance (they once stood still and filled the memory)."""
    question = " ".join(["hội nghị tổng kết công tác năm"] * 12)
    q_ids = tokenizer.question_ids([question])[0]
    passage = tokenizer.passage_tokens([" ".join(["Thiếu tướng Đỗ Triệu Phong chủ trì."] * 20)])[0]
    windows = tokenizer.windows(q_ids, passage, passage_index=0, max_tokens=64, stride=16)
    assert all(len(w.input_ids) <= 64 for w in windows)
    assert len(windows) <= len(passage[0])  # finite, and each window moves on
    assert {tuple(o) for w in windows for o in w.offsets[w.answer_mask].tolist()} == {tuple(s) for s in passage[1]}


def test_a_batch_pads_to_its_longest_window(tokenizer):
    q_ids = tokenizer.question_ids(["Ai chủ trì?"])[0]
    short, long = tokenizer.passage_tokens(["Hội nghị.", "Thiếu tướng Đỗ Triệu Phong chủ trì hội nghị tổng kết."])
    windows = [*tokenizer.windows(q_ids, short, passage_index=0), *tokenizer.windows(q_ids, long, passage_index=1)]
    ids, mask = pad_batch(windows, pad_id=tokenizer.pad_id)
    assert ids.shape == (2, max(len(w.input_ids) for w in windows))
    assert mask.sum(axis=1).tolist() == [len(w.input_ids) for w in windows]
    assert np.all(ids[mask == 0] == tokenizer.pad_id)


@pytest.mark.slow
def test_bare_vietnamese_is_read_restored_english_with_article_words_and_marked_vietnamese_as_typed():
    from qa.answer.question import analyse
    from qa.assistant import default_assistant
    from qa.models.span_reader import SpanReader, shared_span_model

    class Recording(_ModelStub):
        """The real model, noting the question text each reading was given."""

        def __init__(self) -> None:
            self.model, self.asked = shared_span_model(), []

        def read(self, question, passages, *, settings, focus=AnswerFocus()):
            self.asked.append(question)
            return self.model.read(question, passages, settings=settings, focus=focus)

    assistant = default_assistant(reader="neural")
    recording = Recording()
    reader = SpanReader(assistant.index, model=recording)
    for question in ("ai chu tri hoi nghi tong ket nam 2022", "Who chaired the meeting in May 2022?",
                     "Ai chủ trì hội nghị tổng kết năm 2022?"):
        passages = assistant.pipeline.retriever.search_batch([question], k=8)[0]
        candidates = reader.read(analyse(question), passages, query_vector=None)
        assert candidates and all(c.text in c.passage.article.text for c in candidates)
    bare, english, marked = recording.asked
    assert bare.startswith("ai chủ trì hội nghị tổng kết")
    assert english == "Who chủ trì the meeting in May 2022?" and marked == "Ai chủ trì hội nghị tổng kết năm 2022?"


@pytest.mark.slow
def test_a_how_many_question_is_answered_with_a_span_that_holds_a_number():
    """Over each sample passage that writes a number, the span read for a how-many question holds
    one, and a passage read for it is not confused with the same passage read for another
    question kind (the cache keeps both)."""
    from qa.answer.spans import count_words
    from qa.assistant import default_assistant
    from qa.models.span_reader import Excerpt, SpanModel, SpanReaderSettings

    question = "Có bao nhiêu cơ quan báo chí ký kết hợp tác với Cục Truyền thông CAND?"
    retrieved = default_assistant(reader="neural").pipeline.retriever.search(question, k=4)
    model = SpanModel.bundled()
    passages = [Excerpt.around(p, room=200, tokenizer=model.tokenizer) for p in retrieved if count_words(p.chunk.text)]
    assert passages
    for passage, reading in zip(passages, model.read(question, passages, settings=SpanReaderSettings(), focus=AnswerFocus(counted=True)), strict=True):
        assert count_words(passage.text[reading.start : reading.end])
        assert passage.start <= reading.start < reading.end <= passage.end
    plain = model.read(question, passages, settings=SpanReaderSettings())
    assert plain == SpanModel.bundled().read(question, passages, settings=SpanReaderSettings())


@pytest.mark.slow
def test_a_who_question_about_a_role_gets_the_person_said_to_hold_it():
    """The sample's opening names two people of one conference, a clause each: who attended and
    gave directions, and who chaired. Before the span was kept to the clause that says the role
    asked, the reader answered the chair to both."""
    from qa.assistant import default_assistant

    assistant = default_assistant(reader="neural")
    attended = assistant.ask("Ai dự và chỉ đạo Hội nghị tổng kết công tác năm 2022 của Cục Truyền thông?")
    english = assistant.ask("Who attended and gave directions at the Communications Department's 2022 review conference?")
    chaired = assistant.ask("Ai chủ trì Hội nghị tổng kết công tác năm 2022 của Cục Truyền thông?")
    assert "Trần Quốc Tỏ" in attended.text and "Trần Quốc Tỏ" in english.text
    assert "Đỗ Triệu Phong" in chaired.text


@pytest.mark.slow
def test_a_passage_reads_the_same_alone_and_beside_other_passages():
    """A passage's reading must not depend on what is read beside it: with the int8 graph, whose
    activations were quantised per run, an emoji that changed the third passage retrieved changed
    the span found in the first."""
    from qa.assistant import default_assistant
    from qa.models.span_reader import Excerpt, SpanModel, SpanReaderSettings

    question = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"
    retrieved = default_assistant(reader="neural").pipeline.retriever.search(question, k=4)
    passages = [Excerpt(p.chunk.text) for p in retrieved]
    together = SpanModel.bundled().read(question, passages, settings=SpanReaderSettings())
    alone_model = SpanModel.bundled()  # its own cache: nothing read together is reused
    alone = [alone_model.read(question, [p], settings=SpanReaderSettings())[0] for p in passages]
    for pair in zip(together, alone, strict=True):
        assert pair[0].start == pair[1].start and pair[0].end == pair[1].end
        assert pair[0].span_score == pytest.approx(pair[1].span_score, abs=1e-5)
        assert pair[0].null_score == pytest.approx(pair[1].null_score, abs=1e-5)
        assert pair[0].answerable == pytest.approx(pair[1].answerable, abs=1e-5)


@pytest.mark.slow
def test_a_later_passage_answers_first_only_when_its_margin_beats_the_rank_prior():
    """Margins of different passages are not on one scale: the second passage's span is chosen
    over the first's only when its margin is higher by more than ``rank_prior * log 2``."""
    from qa.answer.question import analyse
    from qa.assistant import default_assistant
    from qa.models.span_reader import PassageReading, SpanReader, SpanReaderSettings

    class Fixed(_ModelStub):
        """Readings with the margins given, a span over each passage's first five characters."""

        def __init__(self, margins) -> None:
            self.margins = margins

        def read(self, question, passages, *, settings, focus=AnswerFocus()):
            return [PassageReading(0, 5, margin, 0.0, 0.0) for margin, _ in zip(self.margins, passages)]

    assistant = default_assistant(reader="neural")
    question = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"
    passages = assistant.pipeline.retriever.search_batch([question], k=8)[0]
    two = SpanReaderSettings(passages=2)
    gap = two.rank_prior * np.log(2)
    for extra, first_row in ((gap - 0.5, passages[0].row), (gap + 0.5, passages[1].row)):
        reader = SpanReader(assistant.index, model=Fixed([1.0, 1.0 + extra]), settings=two)
        assert reader.read(analyse(question), passages, query_vector=None)[0].passage.row == first_row


@pytest.mark.slow
def test_the_reranker_reorders_the_passages_read_by_answerability_and_keeps_their_retrieval_scores():
    from qa.answer.question import analyse
    from qa.assistant import default_assistant
    from qa.models.span_reader import PassageReading, SpanReaderSettings, SpanReranker

    class Answerability(_ModelStub):
        def __init__(self, logits) -> None:
            self.logits = logits

        def read(self, question, passages, *, settings, focus=AnswerFocus()):
            return [PassageReading(0, 5, 0.0, 0.0, logit) for logit, _ in zip(self.logits, passages)]

    question = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"
    passages = default_assistant(reader="neural").pipeline.retriever.search_batch([question], k=5)[0]
    three = SpanReaderSettings(passages=3)
    reranked = SpanReranker(Answerability([-5.0, -5.0, 5.0]), settings=three).rerank(analyse(question), passages)
    assert [p.row for p in reranked] == [passages[2].row, passages[0].row, passages[1].row, *(p.row for p in passages[3:])]
    assert {p.row: p.score for p in reranked} == {p.row: p.score for p in passages}
    kept = SpanReranker(Answerability([0.0, 0.0, 0.0]), settings=three).rerank(analyse(question), passages)
    assert [p.row for p in kept] == [p.row for p in passages]


@pytest.mark.slow
def test_questions_typed_bare_or_in_english_are_read_over_more_passages():
    """They find their article first less often, so the reader looks further down for it."""
    from qa.answer.question import analyse
    from qa.assistant import default_assistant
    from qa.models.span_reader import PassageReading, SpanReader, SpanReaderSettings

    class Counting(_ModelStub):
        def __init__(self) -> None:
            self.read_counts = []

        def read(self, question, passages, *, settings, focus=AnswerFocus()):
            self.read_counts.append(len(passages))
            return [PassageReading(0, 5, 1.0, 0.0, 0.0) for _ in passages]

    assistant = default_assistant(reader="neural")
    model = Counting()
    reader = SpanReader(assistant.index, model=model, settings=SpanReaderSettings(passages=2, bare_passages=3, english_passages=4))
    for question in ("Ai chủ trì hội nghị tổng kết công tác năm 2022?", "Ai chu tri hoi nghi tong ket cong tac nam 2022?",
                     "Who chaired the 2022 year-end review conference?"):
        passages = assistant.pipeline.retriever.search_batch([question], k=8)[0]
        assert len(passages) >= 4
        candidates = reader.read(analyse(question), passages, query_vector=None)
        assert len(candidates) == model.read_counts[-1]
    assert model.read_counts == [2, 3, 4]


def test_the_pipeline_retrieves_as_many_passages_as_its_reader_reads(tmp_path, monkeypatch, sample_dir):
    """A reader that reads past the k passages cited gets them all, whatever k is asked."""
    from qa.answer.calibration import Calibration
    from qa.answer.rules import RuleSettings, RulesReader
    from qa.index.building import build_index
    from qa.ingest.corpus import load_articles
    from qa.pipeline import Pipeline
    from tests.support.hashing_embedder import HashingEmbedder

    class Deep:
        name, feature_names, settings = "rules", RulesReader.feature_names, RuleSettings()

        def __init__(self) -> None:
            self.read_counts = []

        def depth(self, question):
            return 7 if question.language == "en" else 6

        def read(self, question, passages, *, query_vector):
            self.read_counts.append(len(passages))
            return []

    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path))
    embedder = HashingEmbedder()
    index = build_index(load_articles([sample_dir]).articles, name_or_path="deep", embedder=embedder)
    assert len(index) >= 9
    reader = Deep()
    pipeline = Pipeline(index, embedder, reader=reader, calibration=Calibration.bundled("rules"))
    pipeline.read_batch(["Ai chủ trì hội nghị?"], k=2)
    pipeline.read_batch(["Ai chủ trì hội nghị?", "Who chaired the conference?"], k=2)
    pipeline.read_batch(["Ai chủ trì hội nghị?"], k=9)
    assert reader.read_counts == [6, 7, 7, 9]


_SENTENCE = st.lists(st.sampled_from(["Chiều", "6.5", "Cục", "Truyền", "thông", "tổ", "chức", "gặp", "mặt", "8"]), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(_SENTENCE, min_size=1, max_size=14), st.data(), st.integers(min_value=0, max_value=120))
def test_an_excerpt_holds_its_chunk_among_whole_sentences_of_its_article(tokenizer, sentences, data, room):
    """What the reader reads of a passage is a run of the article's whole sentences: the chunk,
    where the answer is taken from, exactly where the excerpt says, and sentences around it
    added while the text, encoded as the reader encodes it, fits in ``room`` tokens; the next
    sentence on either side would not have fitted."""
    from qa.index.retrieve import Passage
    from qa.ingest.chunking import Chunk
    from qa.ingest.corpus import Article
    from qa.ingest.text import sentence_spans
    from qa.models.span_reader import Excerpt

    text = " ".join(" ".join(words_) + "." for words_ in sentences)
    bounds = sentence_spans(text)
    first = data.draw(st.integers(min_value=0, max_value=len(bounds) - 1))
    last = data.draw(st.integers(min_value=first, max_value=len(bounds) - 1))
    start, end = bounds[first][0], bounds[last][1]
    article = Article("a", "", None, text, "test")
    passage = Passage(0, Chunk("a", 0, start, end, text[start:end]), article, 1.0, 0, 1.0, None, None)
    excerpt = Excerpt.around(passage, room=room, tokenizer=tokenizer)
    tokens = lambda a, b: len(tokenizer.passage_tokens([text[a:b]])[0][0])  # noqa: E731

    begin, finish = excerpt.offset, excerpt.offset + len(excerpt.text)
    assert excerpt.text == text[begin:finish]
    assert excerpt.text[excerpt.start : excerpt.end] == passage.chunk.text
    assert begin in {a for a, _ in bounds} and finish in {b for _, b in bounds}
    assert excerpt.text == passage.chunk.text or tokens(begin, finish) <= room
    before = [bound for bound in bounds if bound[1] <= begin][-1:]
    after = [bound for bound in bounds if bound[0] >= finish][:1]
    for a, b in before + after:  # the next sentence on each side
        assert tokens(min(a, begin), max(b, finish)) > room


def test_a_window_of_context_alone_offers_no_answer_token(tokenizer):
    """Tokens outside the excerpt's chunk may be read but never start or end an answer."""
    from qa.models.span_reader import Excerpt

    text = "Trước đó, Cục đã hợp tác với 8 cơ quan. Chiều 6.5, Cục tổ chức cuộc gặp mặt. Sau đó, các bên ký kết."
    chunk_start = text.index("Chiều")
    chunk_end = text.index(" Sau")
    excerpt = Excerpt(text, chunk_start, chunk_end)
    q_ids = tokenizer.question_ids(["Khi nào?"])[0]
    (window,) = tokenizer.windows(q_ids, tokenizer.passage_tokens([text])[0], passage_index=0)
    allowed = excerpt.tokens_allowed(window)
    spans = [tuple(o) for o, ok in zip(window.offsets.tolist(), allowed, strict=True) if ok]
    assert spans and all(chunk_start <= a and b <= chunk_end for a, b in spans)
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == text[chunk_start:chunk_end].replace(" ", "")


@pytest.mark.slow
def test_a_short_when_question_about_the_sample_gets_the_date_its_article_gives():
    """The sample's meeting opens its article, "Chiều 6.5, Cục Truyền thông CAND đã tổ chức
    cuộc gặp mặt …", in a first chunk of about a hundred words. Read alone, the chunk made the
    reader say "no answer here" to every question but a who-question, and the assistant
    abstained or answered "từ khi có hợp tác truyền thông"; read with the article around it,
    the date is found."""
    from qa.assistant import default_assistant

    assistant = default_assistant(reader="neural")
    for question in ("Cuộc gặp mặt diễn ra khi nào?", "Cuoc gap mat dien ra khi nao?", "When was the meeting?"):
        answer = assistant.ask(question)
        assert not answer.abstained, question
        assert "6.5" in answer.text and answer.resolved_date == "2022-05-06", (question, answer.text)
