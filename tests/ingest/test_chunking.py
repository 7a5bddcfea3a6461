"""Chunks keep exact offsets, cover every sentence, and respect the size settings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.ingest.chunking import ChunkSettings, chunk_article
from qa.ingest.corpus import load_articles, make_article
from qa.ingest.text import sentence_spans

_ALPHABET = list("aàảãáạăằâấđêệôơưứ ") + [". ", "! ", "? ", "\n\n", "TP.HCM ", "6.5 ", "“", "”"]


def _assert_chunks_are_honest(article, chunk_settings):
    chunks = chunk_article(article, settings=chunk_settings)
    covered = set()
    for index, chunk in enumerate(chunks):
        assert chunk.index == index and chunk.article_id == article.id
        assert article.text[chunk.start : chunk.end] == chunk.text
        covered.update(range(chunk.start, chunk.end))
    for start, end in sentence_spans(article.text):
        assert {i for i in range(start, end) if not article.text[i].isspace()} <= covered
    starts = [c.start for c in chunks]
    assert starts == sorted(set(starts))  # strictly increasing: no chunk repeats another
    return chunks


@settings(max_examples=150, deadline=None)
@given(
    body=st.lists(st.sampled_from(_ALPHABET), min_size=1, max_size=300).map("".join),
    target=st.integers(1, 40),
    overlap=st.integers(0, 3),
)
def test_offsets_and_coverage_hold_for_any_text(body, target, overlap):
    try:
        article = make_article(id="x", text=body, source="test")
    except ValueError:
        return  # only whitespace: not an article
    _assert_chunks_are_honest(article, ChunkSettings(target_words=target, overlap_sentences=overlap, max_words=target * 2))


def test_sample_chunks_overlap_by_one_sentence_and_stay_near_target(sample_dir):
    for article in load_articles([sample_dir]).articles:
        chunks = _assert_chunks_are_honest(article, ChunkSettings(target_words=120, overlap_sentences=1))
        shared = sum(current.start < previous.end for previous, current in zip(chunks, chunks[1:]))
        assert shared >= len(chunks) // 4  # overlap wherever the next sentence still fits
        for chunk in chunks:
            assert len(chunk.text.split()) <= 120 or len(sentence_spans(chunk.text)) == 1


def test_overlong_sentence_is_cut_at_word_boundaries():
    article = make_article(id="long", text=" ".join(f"từ{i}" for i in range(1000)) + ".", source="test")
    chunks = _assert_chunks_are_honest(article, ChunkSettings(target_words=100, overlap_sentences=0, max_words=200))
    assert all(len(c.text.split()) <= 200 for c in chunks)
    assert all(not c.text[0].isspace() and not c.text[-1].isspace() for c in chunks)
