"""The index on disk: atomic builds, checksums, model checks, and incremental updates."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.cli import main as cli_main
from qa.ingest.corpus import load_articles, make_article
from qa.errors import IndexCorruptError, IndexNotFoundError, ModelMismatchError, UnknownArticleError
from qa.index.building import build_index
from qa.index.manifest import FORMAT_VERSION, Counts
from qa.index.names import list_indexes
from qa.index.opening import open_index
from qa.index.updating import add_to_index, remove_from_index
from qa.index.retrieve import Filters, Retriever
from tests.support.hashing_embedder import HashingEmbedder


@pytest.fixture
def index_home(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    return tmp_path / "emb" / "index"


@pytest.fixture
def sample_articles(sample_dir):
    return load_articles([sample_dir]).articles


def _article(i: int, text: str | None = None, date: str | None = "2021-06-01"):
    body = text or f"Bài số {i} nói về chủ đề {i}. Thiếu tướng Nguyễn Văn {chr(65 + i % 26)} chủ trì hội nghị số {i}."
    return make_article(id=f"a{i}", text=body, source="test", date=date)


def _search_rows(index, embedder, question):
    return [p.row for p in Retriever(index, embedder).search(question, k=10)]


def test_build_then_open_round_trips(index_home, sample_articles):
    embedder = HashingEmbedder()
    built = build_index(sample_articles, name_or_path="s", embedder=embedder, sources=["x"])
    opened = open_index("s", model=embedder.identity)
    assert [a.id for a in opened.articles] == [a.id for a in sample_articles]
    assert opened.articles == built.articles
    assert np.array_equal(opened.chunk_rows, built.chunk_rows)
    for row in range(len(opened)):
        chunk = opened.chunk(row)
        assert opened.article_of(row).text[chunk.start : chunk.end] == chunk.text
    manifest = opened.manifest
    assert manifest == built.manifest and manifest.counts == Counts(articles=2, chunks=len(opened), sentences=44, dated_articles=2)
    assert manifest.model == embedder.identity and manifest.sources == ("x",)
    assert opened.sentence_vectors is None  # sentences are embedded when the rules reader reads them
    first_chunk_sentences = opened.sentences_of_chunk(0)
    article = opened.article_of(0)
    assert article.text[slice(*opened.sentence_bounds(int(first_chunk_sentences[0])))].startswith("Chiều 6.5")
    on_disk = json.loads((index_home / "s" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["format_version"] == FORMAT_VERSION == 4 and on_disk["model"]["name"] == "test-hashing"
    assert (index_home / "s").is_symlink()  # published by an atomic link swap


def _flip_byte(path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


READ_WHOLE = {"articles.jsonl", "chunks.npy", "sentences.npy", "bm25/segments.json", "bm25/s00001/rows.npy",
              "bm25/s00001/marked/lengths.npy", "bm25/s00001/folded/lengths.npy"}


def test_opening_hashes_what_it_reads_whole_and_checks_the_size_of_the_mapped_rest(index_home, sample_articles, monkeypatch):
    from qa.index import dense, manifest

    embedder = HashingEmbedder()
    build_index(sample_articles, name_or_path="s", embedder=embedder)
    monkeypatch.setattr(dense, "APPROXIMATE_FROM", 10)
    build_index(sample_articles, name_or_path="hnsw", embedder=embedder)
    hashed = []
    real_sha256 = manifest.sha256_file
    monkeypatch.setattr(manifest, "sha256_file", lambda path: hashed.append(path) or real_sha256(path))

    def hashed_on_open(name, **options):
        hashed.clear()
        index = open_index(name, **options)
        return {str(p.relative_to(index.path.resolve())) for p in hashed}

    assert hashed_on_open("s") == READ_WHOLE  # the flat vectors, sentence vectors and BM25 arrays are mapped
    assert hashed_on_open("hnsw") == READ_WHOLE | {"vectors.faiss"}  # FAISS reads an HNSW graph whole
    assert hashed_on_open("s", checksums="all") == {f.path for f in open_index("s").manifest.files}
    assert hashed_on_open("s", verify=False) == set()


def test_a_truncated_mapped_file_is_an_error_at_open(index_home, sample_articles):
    build_index(sample_articles, name_or_path="s", embedder=HashingEmbedder(), sources=["articles/"])
    for relative in ("vectors.faiss", "bm25/s00001/marked/counts.npy"):
        path = index_home / "s" / relative
        whole = path.read_bytes()
        path.write_bytes(whole[:-1])
        with pytest.raises(IndexCorruptError, match=rf"{relative} has {len(whole) - 1} bytes, expected {len(whole)} "
                                                     r"\(truncated\?\); rebuild it with: qa index build articles/ --name s$"):
            open_index("s")
        path.write_bytes(whole)


def test_a_mapped_file_that_fails_to_load_is_named(index_home, sample_articles):
    """A same-size change where numpy or FAISS parse (the header) fails at open, naming the file."""
    build_index(sample_articles, name_or_path="s", embedder=HashingEmbedder(), sources=["articles/"])
    for relative in ("vectors.faiss", "bm25/s00001/folded/indptr.npy"):
        path = index_home / "s" / relative
        whole = path.read_bytes()
        _flip_byte(path, 0)
        with pytest.raises(IndexCorruptError, match=rf"{relative} does not match its checksum \(corrupted\); rebuild"):
            open_index("s")
        path.write_bytes(whole)
    open_index("s")


def test_a_flipped_byte_in_a_mapped_file_is_caught_by_verify_and_by_add_never_extended(
        index_home, sample_articles, tiny_model, capsys):
    from qa.models.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(tiny_model), backend="torch")  # one the qa command can make again
    build_index(sample_articles, name_or_path="s", embedder=embedder, sources=["articles/"])
    published = (index_home / "s").resolve()
    for relative in ("vectors.faiss", "bm25/s00001/marked/counts.npy"):
        _flip_byte(index_home / "s" / relative, -5)  # inside the vectors: the file still loads
    open_index("s")  # opening hashes what it reads whole; the mapped files are checked by size only

    assert cli_main(["index", "verify", "s"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"index {index_home / 's'}: {relative} does not match its checksum (corrupted)"
                                for relative in ("bm25/s00001/marked/counts.npy", "vectors.faiss")]
    assert err.splitlines() == [f"qa: error: index {index_home / 's'}: 2 of 18 files damaged; "
                                "rebuild it with: qa index build articles/ --name s"]

    extra = index_home.parent / "extra.txt"
    extra.write_text(" date 2023-03 Đại tá Nguyễn Văn Bình chủ trì hội thảo an ninh mạng.", encoding="utf-8")
    assert cli_main(["index", "add", str(extra), "--name", "s"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (f"qa: error: index {index_home / 's'}: bm25/s00001/marked/counts.npy does not match its checksum (corrupted); "
                    "rebuild it with: qa index build articles/ --name s")
    with pytest.raises(IndexCorruptError, match="bm25/s00001/marked/counts.npy does not match its checksum"):
        remove_from_index("s", [sample_articles[0].id], embedder=embedder)
    assert (index_home / "s").resolve() == published  # nothing was built on the damaged version
    assert [p.name for p in index_home.iterdir() if p.name.startswith(".s.") and not p.name.endswith(".lock")] == [published.name]


def test_verify_on_a_good_index_prints_ok_and_exits_0(index_home, sample_articles, capsys):
    build_index(sample_articles, name_or_path="s", embedder=HashingEmbedder())
    assert cli_main(["index", "verify", "s"]) == 0
    out, err = capsys.readouterr()
    size = open_index("s").manifest.size_bytes / 1e6
    assert out.splitlines() == [f"index {index_home / 's'}: ok, 18 files ({size:.1f} MB) match their sizes and checksums"]
    assert err == ""
    assert cli_main(["index", "verify", "nothing"]) == 1
    assert capsys.readouterr().err.startswith("qa: error: no index at ")


def test_missing_index_and_other_model_are_refused(index_home, sample_articles):
    with pytest.raises(IndexNotFoundError, match="qa index build"):
        open_index("nothing")
    build_index(sample_articles, name_or_path="s", embedder=HashingEmbedder())
    with pytest.raises(ModelMismatchError, match="test-hashing"):
        open_index("s", model=HashingEmbedder(name="other").identity)


def test_a_crash_mid_build_keeps_the_previous_index(index_home, sample_articles, monkeypatch):
    embedder = HashingEmbedder()
    build_index(sample_articles, name_or_path="s", embedder=embedder)
    before = open_index("s").manifest.files

    def explode(*_args, **_kwargs):
        raise RuntimeError("killed while writing")

    with monkeypatch.context() as patched, pytest.raises(RuntimeError):
        patched.setattr("qa.index.lexical.LexicalIndex.save", explode)
        build_index([*sample_articles, _article(1)], name_or_path="s", embedder=embedder)
    assert open_index("s").manifest.files == before
    versions = [p.name for p in index_home.iterdir() if p.name.startswith(".s.") and not p.name.endswith(".lock")]
    assert versions == [(index_home / "s").resolve().name]  # the half-written version is gone


def test_incremental_add_equals_full_rebuild_and_embeds_only_new_text(index_home):
    embedder = HashingEmbedder()
    first = [_article(i) for i in range(5)]
    build_index(first, name_or_path="inc", embedder=embedder)
    changed = _article(2, text="Bài số 2 đã được sửa lại. Đại tá Lê Văn Z phát biểu tại hội nghị.")
    embedder.calls.clear()
    index, report = add_to_index("inc", [changed, _article(3), _article(7)], embedder=embedder)
    assert report.added == ("a7",) and report.changed == ("a2",) and report.unchanged == ("a3",)
    assert report.embedded_chunks == 2  # one chunk each for a2 and a7
    assert embedder.calls == [2]  # nothing else re-embedded, and sentences are not embedded at all

    full = build_index([first[0], first[1], changed, first[3], first[4], _article(7)], name_or_path="full", embedder=HashingEmbedder())
    assert [a.id for a in index.articles] == [a.id for a in full.articles]
    assert np.array_equal(index.chunk_rows, full.chunk_rows)
    assert np.allclose(index.vectors.reconstruct_n(0, len(index)), full.vectors.reconstruct_n(0, len(full)), atol=1e-6)
    assert np.array_equal(index.sentence_rows, full.sentence_rows)
    for question in ["Đại tá Lê Văn Z phát biểu", "hoi nghi so 4", "chủ đề 7"]:
        assert _search_rows(index, embedder, question) == _search_rows(full, embedder, question)


def test_adding_the_same_articles_again_embeds_nothing(index_home, sample_articles):
    embedder = HashingEmbedder()
    build_index(sample_articles, name_or_path="s", embedder=embedder)
    embedder.calls.clear()
    _, report = add_to_index("s", sample_articles, embedder=embedder)
    assert embedder.calls == [] and report.embedded_chunks == 0 and len(report.unchanged) == 2


def test_remove_drops_articles_and_rejects_unknown_ids(index_home):
    embedder = HashingEmbedder()
    build_index([_article(i) for i in range(4)], name_or_path="r", embedder=embedder)
    index, report = remove_from_index("r", ["a1"], embedder=embedder)
    assert [a.id for a in index.articles] == ["a0", "a2", "a3"] and report.removed == ("a1",)
    full = build_index([_article(i) for i in (0, 2, 3)], name_or_path="r2", embedder=embedder)
    assert np.array_equal(index.chunk_rows, full.chunk_rows)
    with pytest.raises(UnknownArticleError, match="a9"):
        remove_from_index("r", ["a9"], embedder=embedder)


def test_date_and_source_filters(index_home):
    embedder = HashingEmbedder()
    articles = [_article(1, date="2020-01-15"), _article(2, date="2022-05"), _article(3, date=None)]
    index = build_index(articles, name_or_path="f", embedder=embedder)
    retriever = Retriever(index, embedder)
    from datetime import date

    def ids(filters):
        return {p.article.id for p in retriever.search("hội nghị chủ trì", k=10, filters=filters)}

    assert ids(Filters()) == {"a1", "a2", "a3"}
    assert ids(Filters(date_from=date(2022, 5, 20))) == {"a2"}  # May 2022 overlaps the 20th
    assert ids(Filters(date_to=date(2021, 1, 1))) == {"a1"}
    assert ids(Filters(source="nowhere")) == set()


def test_hybrid_passages_keep_both_component_ranks(index_home, sample_articles):
    embedder = HashingEmbedder()
    index = build_index(sample_articles, name_or_path="s", embedder=embedder)
    passages = Retriever(index, embedder).search("Thiếu tướng Đỗ Triệu Phong chủ trì Hội nghị", k=5)
    top = passages[0]
    assert top.article.id == "004_c3cdf694cfdd003e"
    assert top.dense_rank is not None and top.lexical_rank is not None
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_folded_question_matches_marked_text(index_home, sample_articles):
    embedder = HashingEmbedder()
    index = build_index(sample_articles, name_or_path="s", embedder=embedder)
    scores = index.lexical.scores("hoi nghi tong ket cong tac nam 2022")
    best = int(np.argmax(scores))
    assert index.article_of(best).id == "004_c3cdf694cfdd003e" and scores[best] > 0


def test_cli_info_reports_the_index(index_home, sample_articles, capsys):
    build_index(sample_articles, name_or_path="s", embedder=HashingEmbedder(), sources=["a", "b"])
    assert cli_main(["index", "info", "s"]) == 0
    out = capsys.readouterr().out
    assert "test-hashing" in out and "2 (2 dated)" in out and "size on disk" in out
    (index_home / "s" / "manifest.json").write_text("{not json")
    assert cli_main(["index", "info", "s"]) == 1
    assert "manifest.json is missing or damaged" in capsys.readouterr().err


def test_beyond_the_exact_search_size_the_index_is_hnsw_and_answers_alike(index_home, monkeypatch):
    import faiss

    from qa.index import dense

    embedder = HashingEmbedder()
    articles = [_article(i) for i in range(40)]
    exact = build_index(articles, name_or_path="exact", embedder=embedder)
    monkeypatch.setattr(dense, "APPROXIMATE_FROM", 10)
    approximate = build_index(articles, name_or_path="approx", embedder=embedder)
    assert exact.manifest.vector_index == "IndexFlatIP" and isinstance(exact.vectors, faiss.IndexFlat)
    assert approximate.manifest.vector_index == "IndexHNSWFlat" and isinstance(approximate.vectors, faiss.IndexHNSWFlat)
    assert approximate.vectors.hnsw.efSearch == dense.HNSW_EF_SEARCH  # saved with the index
    for question in ["Nguyễn Văn C chủ trì hội nghị số 2", "chu de 17"]:  # 40 articles: HNSW is exact here
        assert _search_rows(approximate, embedder, question) == _search_rows(exact, embedder, question)
    from datetime import date

    dated = [_article(i, date=f"20{10 + i % 10}-03-01") for i in range(40)]  # four articles a year
    exact = build_index(dated, name_or_path="exact-dated", embedder=embedder)
    approximate = build_index(dated, name_or_path="approx-dated", embedder=embedder)
    one_year = Filters(date_from=date(2013, 1, 1), date_to=date(2013, 12, 31))
    found = Retriever(approximate, embedder).search("chủ trì hội nghị", k=10, filters=one_year)
    assert {p.article.id for p in found} == {"a3", "a13", "a23", "a33"}
    assert [p.row for p in found] == [p.row for p in Retriever(exact, embedder).search("chủ trì hội nghị", k=10, filters=one_year)]
    index, _ = add_to_index("approx", [_article(50)], embedder=embedder)  # vectors come back out of HNSW
    assert isinstance(index.vectors, faiss.IndexHNSWFlat) and len(index) == 41


def test_an_opened_index_maps_its_vectors_and_bm25_arrays_instead_of_reading_them(index_home, sample_articles):
    embedder = HashingEmbedder()
    build_index(sample_articles, name_or_path="m", embedder=embedder)
    opened = open_index("m", model=embedder.identity)
    (segment,) = opened.lexical.segments
    postings = (segment.marked, segment.folded)
    mapped = [a for p in postings for a in (p.indptr, p.docs, p.counts, p.vocabulary.keys, p.vocabulary.columns)]
    assert all(_over_a_mapping(a) for a in mapped)
    assert not any(_over_a_mapping(p.lengths) for p in postings)  # read whole: every open sums them
    assert opened.vectors.ntotal == len(opened)


def _over_a_mapping(array: np.ndarray) -> bool:
    """A memory-mapped array, or a plain array viewing one."""
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = array.base if isinstance(array, np.ndarray) else None
    return False


def test_bm25_counts_every_token_and_scores_as_bm25s_indexing_the_token_strings(sample_articles):
    import bm25s

    from qa.index.lexical import LexicalIndex, folded_document_tokens, marked_document_tokens, query_tokens

    texts = [a.text for a in sample_articles] + [""]  # an empty passage too
    built = LexicalIndex.build(texts)
    (segment,) = built.segments
    questions = {"marked": "Ai chủ trì hội nghị tổng kết?", "folded": "ai chu tri hoi nghi tong ket"}
    for name, tokens_of in (("marked", marked_document_tokens), ("folded", folded_document_tokens)):
        postings = segment.field(name)
        reference = bm25s.BM25()
        reference.index([tokens_of(t) or [""] for t in texts], show_progress=False)
        tokens = list(reference.vocab_dict)
        columns = postings.vocabulary.columns_of(tokens)
        assert None not in columns and postings.vocabulary.columns_of(["không_có_trong_bài", "zzzz"]) == [None, None]
        expected_frequencies = np.diff(reference.scores["indptr"])[[reference.vocab_dict[t] for t in tokens]]
        assert np.array_equal(np.diff(postings.indptr)[columns], expected_frequencies)
        searched, question_tokens = query_tokens(questions[name])
        assert searched == name
        expected = reference.get_scores([t for t in question_tokens if t in reference.vocab_dict])
        assert np.allclose(built.scores(questions[name]), expected, rtol=1e-5, atol=1e-6) and expected.max() > 0


def _rewrite_manifest(folder, change) -> None:
    path = folder.resolve() / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_an_index_of_an_older_format_is_one_clear_error_naming_the_rebuild(index_home, sample_articles, capsys):
    build_index(sample_articles, name_or_path="old", embedder=HashingEmbedder(), sources=["tin/", "them.jsonl"])
    _rewrite_manifest(index_home / "old", lambda m: m.update(format_version=2))
    expected = "index old: format 2, this version reads 3 and 4; rebuild it with: qa index build tin/ them.jsonl --name old"
    with pytest.raises(IndexCorruptError) as raised:
        open_index("old")
    assert str(raised.value) == expected
    assert cli_main(["index", "info", "old"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"qa: error: {expected}"]


@pytest.mark.parametrize(("change", "field"), [
    (lambda m: m.pop("corpus_fingerprint"), "field corpus_fingerprint is missing or not text"),
    (lambda m: m["counts"].update(chunks="12"), "field counts.chunks is missing or not a whole number"),
    (lambda m: m["model"].pop("backend"), "field model.backend is missing or not text"),
    (lambda m: m.update(vector_index="IndexIVF"), "field vector_index is missing or not one of IndexFlatIP, IndexHNSWFlat"),
    (lambda m: m["chunking"].update(max_words=1), "field chunking is missing or not valid chunk settings"),
])
def test_a_bad_manifest_field_is_named(index_home, sample_articles, change, field):
    build_index(sample_articles, name_or_path="s", embedder=HashingEmbedder(), sources=["a/"])
    _rewrite_manifest(index_home / "s", change)
    with pytest.raises(IndexCorruptError, match=rf"^index .*/s: manifest\.json {field}.*; rebuild it with: qa index build a/ --name s$"):
        open_index("s")


def test_list_indexes_names_the_published_ones_only(index_home, sample_articles):
    assert list_indexes() == []
    for name in ("zeta", "alpha"):
        build_index(sample_articles, name_or_path=name, embedder=HashingEmbedder())
    (index_home / "unfinished").mkdir()  # no manifest: never published
    assert list_indexes() == ["alpha", "zeta"]  # hidden versions and lock files are not indexes


def test_ask_by_index_name_opens_once_and_sees_a_new_version(index_home, sample_articles, tiny_model, monkeypatch):
    """``ask(index=NAME)`` reuses the opened index until another version is published."""
    import qa.assistant
    from qa.assistant import Assistant, ask

    from qa.models.embedder import make_embedder

    monkeypatch.setattr(qa.assistant, "_OPENED", {})
    embedder = make_embedder(str(tiny_model))
    build_index(sample_articles, name_or_path="named", embedder=embedder)
    opens = []
    real_open = Assistant.open.__func__
    monkeypatch.setattr(Assistant, "open", classmethod(lambda cls, *a, **k: opens.append(a) or real_open(cls, *a, **k)))
    first = ask("Ai chủ trì hội nghị?", index="named", reader="rules")
    ask("Hội nghị diễn ra ở đâu?", index="named", reader="rules")
    assert len(opens) == 1

    add_to_index("named", [_article(7, "Đại tá Phạm Văn Bảy chủ trì cuộc họp về phòng cháy ở Hải Phòng.")], embedder=embedder)
    answer = ask("Ai chủ trì cuộc họp về phòng cháy ở Hải Phòng?", index="named", reader="rules")
    assert len(opens) == 2
    assert "a7" in {c.doc_id for c in answer.citations} and first.citations
