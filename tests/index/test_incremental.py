"""Incremental updates: BM25 in segments scores as one index over the same passages, and adding,
replacing and removing articles leaves an index that searches as a fresh build of its corpus."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from qa.index import bm25_segments, dense
from qa.index.building import build_index
from qa.index.lexical import LexicalIndex, folded_document_tokens, marked_document_tokens, query_tokens
from qa.index.opening import open_index, verify_index
from qa.index.retrieve import Retriever
from qa.index.store import sha256_file
from qa.index.updating import add_to_index, remove_from_index
from qa.ingest.corpus import load_articles, make_article
from tests.support.hashing_embedder import HashingEmbedder

QUESTIONS = ("Ai chủ trì hội nghị tổng kết công tác năm 2022?", "ai chu tri hoi nghi tong ket", "Công an nhân dân",
             "chủ đề 7", "hoi nghi so 4", "Đại tá Lê Văn Z phát biểu", "từ không hề có zzqx")


@pytest.fixture
def index_home(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    return tmp_path / "emb" / "index"


@pytest.fixture(scope="module")
def paragraphs(sample_dir) -> list[str]:
    """Passages of uneven length, an empty one among them."""
    texts = [p for a in load_articles([sample_dir]).articles for p in a.text.split("\n") if p.strip()]
    return texts[:12] + [""] + texts[12:] + [f"Bài số {i}: Đại tá Lê Văn {chr(65 + i)} chủ trì hội nghị số {i}." for i in range(8)]


def _article(i: int, text: str | None = None):
    body = text or f"Bài số {i} nói về chủ đề {i}. Thiếu tướng Nguyễn Văn {chr(65 + i % 26)} chủ trì hội nghị số {i}."
    return make_article(id=f"a{i}", text=body, source="test", date="2021-06-01")


def _updated(index: LexicalIndex, texts: list[str], *, remove=(), replace=None, append=()) -> tuple[LexicalIndex, list[str]]:
    """The same update applied to a list of passages and to the index, as ``add_to_index`` orders rows:
    kept passages keep their order, a replaced one its place, new ones come last."""
    replace = replace or {}
    kept = [i for i in range(len(texts)) if i not in remove]
    new_texts = [replace.get(i, texts[i]) for i in kept] + list(append)
    carried = np.full(len(texts), -1, dtype=np.int64)
    for row, old in enumerate(kept):
        if old not in replace:
            carried[old] = row
    fresh = np.array([row for row, old in enumerate(kept) if old in replace] + list(range(len(kept), len(new_texts))),
                     dtype=np.int64)
    return index.extended(carried=carried, rows=fresh, texts=[new_texts[r] for r in fresh], size=len(new_texts)), new_texts


def _assert_scores_as_one_index(index: LexicalIndex, texts: list[str]) -> None:
    single = LexicalIndex.build(texts)
    assert index.size == single.size == len(texts)
    for question in QUESTIONS:
        assert np.array_equal(index.scores(question), single.scores(question)), question  # bit for bit
        field, tokens = query_tokens(question)
        for token in tokens:
            assert index.idf(token, field=field) == single.idf(token, field=field)
            assert index.knows(token, field=field) == single.knows(token, field=field)
    assert any(single.scores(q).max() > 0 for q in QUESTIONS)


def test_segments_score_as_one_index_over_the_live_passages_through_adds_replacements_and_removals(paragraphs):
    texts = paragraphs[:10]
    index = LexicalIndex.build(texts)
    index, texts = _updated(index, texts, append=paragraphs[10:20])
    _assert_scores_as_one_index(index, texts)
    index, texts = _updated(index, texts, replace={3: paragraphs[20], 14: paragraphs[21]}, append=paragraphs[22:24])
    _assert_scores_as_one_index(index, texts)
    index, texts = _updated(index, texts, remove={0, 17})
    _assert_scores_as_one_index(index, texts)
    assert len(index.segments) == 3  # a removal adds no segment; 4 dead rows of 24 stay under the merge share


def test_the_merge_policy_merges_without_changing_a_score(paragraphs, monkeypatch):
    monkeypatch.setattr(bm25_segments, "MAX_SEGMENTS", 3)
    texts = paragraphs[:12]
    index = LexicalIndex.build(texts)
    for start in range(12, 20, 2):
        index, texts = _updated(index, texts, append=paragraphs[start : start + 2])
        _assert_scores_as_one_index(index, texts)
    assert [s.name for s in index.segments][0] == "s00001" and len(index.segments) <= 3  # the base is left alone
    index, texts = _updated(index, texts, remove=set(range(0, 12, 2)))  # 6 of 20 stored rows dead: over a quarter
    assert len(index.segments) == 1 and index.segments[0].live == len(texts) == len(index.segments[0].rows)
    _assert_scores_as_one_index(index, texts)
    index, texts = _updated(index, texts, remove=set(range(len(texts))))  # nothing left
    assert index.segments == () and index.scores(QUESTIONS[0]).shape == (0,)


def _retrieved(index, embedder) -> list[list[tuple]]:
    return [[(p.row, p.article.id, round(p.score, 6), p.dense_rank, p.lexical_rank)
             for p in Retriever(index, embedder).search(q, k=10)] for q in QUESTIONS]


def test_add_replace_and_remove_search_as_a_fresh_build(index_home):
    embedder = HashingEmbedder()
    first = [_article(i) for i in range(6)]
    build_index(first, name_or_path="grown", embedder=embedder)
    add_to_index("grown", [_article(6), _article(7, "Đại tá Lê Văn Z phát biểu tại hội nghị số 7.")], embedder=embedder)
    changed = _article(2, "Bài số 2 đã được sửa lại. Công an nhân dân tổng kết công tác năm 2022.")
    add_to_index("grown", [changed], embedder=embedder)
    grown, _ = remove_from_index("grown", ["a4"], embedder=embedder)

    corpus = [first[0], first[1], changed, first[3], first[5], _article(6), _article(7, "Đại tá Lê Văn Z phát biểu tại hội nghị số 7.")]
    fresh = build_index(corpus, name_or_path="fresh", embedder=HashingEmbedder())
    assert [s.name for s in grown.lexical.segments] == ["s00001", "s00002", "s00003"]
    assert grown.articles == fresh.articles and np.array_equal(grown.chunk_rows, fresh.chunk_rows)
    for question in QUESTIONS:
        assert np.array_equal(grown.lexical.scores(question), fresh.lexical.scores(question)), question
    assert _retrieved(grown, embedder) == _retrieved(fresh, embedder)
    assert verify_index("grown").problems == ()


def test_an_add_hashes_only_the_files_it_writes_and_keeps_the_entries_of_the_segments_it_links(index_home, monkeypatch):
    from qa.index import building

    embedder = HashingEmbedder()
    before = build_index([_article(i) for i in range(6)], name_or_path="g", embedder=embedder).manifest.files
    hashed = []
    monkeypatch.setattr(building, "sha256_file", lambda path: hashed.append(path) or sha256_file(path))
    index, _ = add_to_index("g", [_article(9)], embedder=embedder)

    linked = {f for f in before if f.path.startswith("bm25/s00001/") and not f.path.endswith("/rows.npy")}
    assert len(linked) == 12 and linked < set(index.manifest.files)  # the same entries, sizes and checksums
    hashed = {str(p.relative_to(index.path.resolve())) for p in hashed}
    assert hashed == {f.path for f in index.manifest.files} - {f.path for f in linked}
    assert any(p.startswith("bm25/s00002/") for p in hashed)
    assert verify_index("g").problems == ()  # the linked files outlive the version they came from


def test_an_append_grows_the_hnsw_graph_and_a_replacement_rebuilds_it(index_home, monkeypatch):
    import faiss

    from qa.index import building

    monkeypatch.setattr(dense, "APPROXIMATE_FROM", 10)
    embedder = HashingEmbedder()
    build_index([_article(i) for i in range(40)], name_or_path="h", embedder=embedder)
    builds = []
    real_build = building.build_vector_index
    monkeypatch.setattr(building, "build_vector_index", lambda vectors: builds.append(len(vectors)) or real_build(vectors))

    grown, _ = add_to_index("h", [_article(50), _article(51)], embedder=embedder)
    assert builds == [] and isinstance(grown.vectors, faiss.IndexHNSWFlat) and grown.vectors.ntotal == 42
    fresh = build_index([_article(i) for i in [*range(40), 50, 51]], name_or_path="h-fresh", embedder=embedder)
    assert np.array_equal(dense.stored_vectors(grown.vectors), dense.stored_vectors(fresh.vectors))
    assert _retrieved(grown, embedder) == _retrieved(fresh, embedder)  # 42 vectors: HNSW finds the exact neighbours

    builds.clear()
    replaced, _ = add_to_index("h", [_article(3, "Bài số 3 đã được sửa lại.")], embedder=embedder)
    assert builds == [42] and replaced.vectors.ntotal == 42  # rows moved: HNSW cannot drop one, so it is rebuilt


def _as_format_3(version, texts: list[str]) -> None:
    """Rewrite a version's BM25 as format 3 wrote it: one bm25s index of precomputed scores per field."""
    import bm25s

    from qa.index.vocabulary import Vocabulary

    shutil.rmtree(version / "bm25")
    for name, tokens_of in (("marked", marked_document_tokens), ("folded", folded_document_tokens)):
        numbering = {"": 0}
        ids = [[numbering.setdefault(t, len(numbering)) for t in tokens_of(text)] or [0] for text in texts]
        model = bm25s.BM25()
        model.index((ids, numbering), show_progress=False)
        model.save(str(version / "bm25" / name), show_progress=False)
        Vocabulary.from_dict(numbering).save(version / "bm25" / name)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(p for p in version.rglob("*") if p.is_file() and p.name != "manifest.json")
    manifest.update(format_version=3, files={str(p.relative_to(version)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
                                             for p in files})
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_format_3_index_answers_as_before_and_its_first_add_makes_it_segmented(index_home, sample_dir):
    from qa.index.building import _chunk_texts

    embedder = HashingEmbedder()
    articles = load_articles([sample_dir]).articles
    segmented = build_index(articles, name_or_path="new", embedder=embedder)
    build_index(articles, name_or_path="old", embedder=embedder)
    _as_format_3((index_home / "old").resolve(), _chunk_texts(articles, segmented.chunk_rows))

    old = open_index("old")
    assert old.lexical.segments is None and (index_home / "old" / "bm25" / "marked" / "data.csc.index.npy").is_file()
    for question in QUESTIONS:
        assert np.allclose(old.lexical.scores(question), segmented.lexical.scores(question), rtol=1e-5, atol=1e-6)
    assert [[p.row for p in hits] for hits in (Retriever(old, embedder).search(q, k=10) for q in QUESTIONS)] == \
           [[p.row for p in hits] for hits in (Retriever(segmented, embedder).search(q, k=10) for q in QUESTIONS)]

    grown, _ = add_to_index("old", [_article(7)], embedder=embedder)
    fresh = build_index([*articles, _article(7)], name_or_path="fresh", embedder=embedder)
    on_disk = json.loads((index_home / "old" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["format_version"] == 4 and [s.name for s in grown.lexical.segments] == ["s00001"]
    for question in QUESTIONS:
        assert np.array_equal(grown.lexical.scores(question), fresh.lexical.scores(question))


def test_an_append_only_add_writes_the_articles_file_a_build_writes(index_home):
    embedder = HashingEmbedder()
    build_index([_article(i) for i in range(6)], name_or_path="g", embedder=embedder)
    add_to_index("g", [_article(3), _article(8), _article(9)], embedder=embedder)  # a3 unchanged: only appends
    build_index([_article(i) for i in [*range(6), 8, 9]], name_or_path="fresh", embedder=embedder)
    assert (index_home / "g" / "articles.jsonl").read_bytes() == (index_home / "fresh" / "articles.jsonl").read_bytes()
    assert [a.id for a in open_index("g").articles] == ["a0", "a1", "a2", "a3", "a4", "a5", "a8", "a9"]
