"""Any file is safe: malformed input loads, or stops with one error naming file and line.

Random bytes in every supported format, random JSON records, and a list of named malformed
files go through the loaders: each either loads or raises ``InputError`` naming the file,
never another exception, and with ``skip_bad`` each problem is reported instead. Articles that
do load are fuzzed on through the normaliser, the sentence splitter and the chunker.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.ingest.chunking import ChunkSettings, chunk_article
from qa.cli import main as cli_main
from qa.ingest.corpus import Article, load_articles, make_article
from qa.errors import DuplicateArticleError, InputError
from qa.index.building import build_index
from qa.index.opening import open_index
from qa.ingest.text import clean_article_text, sentence_spans
from tests.support.hashing_embedder import HashingEmbedder

FUZZ = settings(max_examples=120, deadline=None)
SUFFIXES = [".txt", ".jsonl", ".jsonl.gz"]


def any_code_points(max_size: int) -> st.SearchStrategy[str]:
    """Strings of any code points, with lone surrogates (JSON can spell them) and controls often."""
    point = st.one_of(st.integers(0, 0x10FFFF), st.integers(0xD800, 0xDFFF), st.integers(0, 0x9F), st.integers(0x61, 0x7A))
    return st.lists(point, max_size=max_size).map(lambda points: "".join(map(chr, points)))


def assert_sound(article: Article) -> None:
    """What every loaded article promises to the index: clean, storable, honestly chunked."""
    assert article.text and clean_article_text(article.text) == article.text
    json.dumps([article.id, article.title, article.text, article.source, article.url], ensure_ascii=False).encode("utf-8")
    for chunk in chunk_article(article, settings=ChunkSettings(target_words=20, max_words=40)):
        assert article.text[chunk.start : chunk.end] == chunk.text and chunk.text.strip() == chunk.text


def load_or_input_error(path: Path) -> tuple[Article, ...]:
    """Strict loading; the only error allowed is ``InputError`` naming this file."""
    try:
        articles = load_articles([path]).articles
    except InputError as exc:
        assert str(exc).startswith(str(path)), exc
        return ()
    for article in articles:
        assert_sound(article)
    return articles


def write_bytes(folder: Path, suffix: str, data: bytes, *, compress: bool) -> Path:
    path = folder / f"fuzz{suffix}"
    path.write_bytes(gzip.compress(data) if compress and suffix.endswith(".gz") else data)
    return path


def fresh_folder() -> tempfile.TemporaryDirectory:
    """One folder per generated example (a pytest tmp_path would be shared by all of them)."""
    return tempfile.TemporaryDirectory(prefix="qa-fuzz-")


# --- fuzzing the loaders ----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_code_points(30) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)
records = st.fixed_dictionaries(
    {"text": st.one_of(st.text(max_size=200), any_code_points(100), json_values)},
    optional={key: st.one_of(any_code_points(20), json_values) for key in ("id", "title", "date", "source", "url")},
)


@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from(SUFFIXES), compress=st.booleans(), cut=st.integers(0, 40))
def test_random_bytes_load_or_name_the_file(data, suffix, compress, cut):
    with fresh_folder() as folder:
        path = write_bytes(Path(folder), suffix, data, compress=compress)
        if cut:  # also a file cut short, as a crashed copy leaves it
            path.write_bytes(path.read_bytes()[:-cut])
        loaded = load_or_input_error(path)
        skipping = load_articles([folder], skip_bad=True)
    assert skipping.articles == loaded or (not loaded and all(str(path) in s.location for s in skipping.skipped))


@FUZZ
@given(lines=st.lists(st.one_of(records, json_values), min_size=1, max_size=5), compress=st.booleans())
@example(lines=[{"id": "a", "text": "Một."}, {"id": "a", "text": "Hai."}], compress=False)  # a reused id, every run
def test_random_json_records_load_or_name_file_and_line(lines, compress):
    suffix = ".jsonl.gz" if compress else ".jsonl"
    body = "".join(json.dumps(record, ensure_ascii=True) + "\n" for record in lines).encode()
    with fresh_folder() as folder:
        path = write_bytes(Path(folder), suffix, body, compress=True)
        try:
            load_articles([path])
        except InputError as exc:
            line = int(str(exc)[len(str(path)) + 1 :].split(":", 1)[0])  # "<path>:<line>: problem"
            assert 1 <= line <= len(lines)
        except DuplicateArticleError as exc:
            first, second = (int(n) for n in re.findall(re.escape(str(path)) + r":(\d+)", str(exc)))
            assert 1 <= first < second <= len(lines)
        result = load_articles([path], skip_bad=True)
    assert len(result.articles) + len(result.skipped) + len(result.duplicates) == len(lines)
    for article in result.articles:
        assert_sound(article)


# --- fuzzing the normaliser, the splitter and the chunker --------------------------------------

texts = st.one_of(st.text(max_size=400), any_code_points(200),
                  st.lists(st.sampled_from(["TP.HCM", "6.5", "v.v.", "Ab.", "“", "”", ". ", "! ", "\n", "\r\n", "\u2028",
                                            "\x00", "\t", "\u200b", "a\u0301", "Đ", " ", "…", "...", "1.000"]),
                           max_size=80).map("".join))


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_normalised_text_is_clean_and_stable(text):
    clean = clean_article_text(text)
    assert clean_article_text(clean) == clean
    assert clean == unicodedata.normalize("NFC", clean) and clean == clean.strip()
    assert "\r" not in clean and "\t" not in clean and "  " not in clean and "\n\n\n" not in clean
    assert not any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in clean)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_sentences_are_ordered_trimmed_and_cover_every_visible_character(text):
    spans = sentence_spans(text)
    covered = set()
    for (a, b), (c, _) in itertools.pairwise(spans + [(len(text), len(text))]):
        assert a < b <= c and text[a:b] == text[a:b].strip()
        covered.update(range(a, b))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@settings(max_examples=200, deadline=None)
@given(text=texts, target=st.integers(1, 30), overlap=st.integers(0, 2))
def test_chunks_of_any_text_keep_exact_offsets(text, target, overlap):
    try:
        article = make_article(id="x", text=text, source="fuzz")
    except ValueError:
        return  # nothing left after cleaning, or a lone surrogate: not an article
    chunks = chunk_article(article, settings=ChunkSettings(target_words=target, overlap_sentences=overlap,
                                                           max_words=target * 2))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert [c.start for c in chunks] == sorted({c.start for c in chunks})
    covered = set()
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        covered.update(range(chunk.start, chunk.end))
    assert all(article.text[i].isspace() for i in range(len(article.text)) if i not in covered)


# --- named malformed files ----------------------------------------------------------------------

GOOD_LINE = json.dumps({"id": "ok", "text": "Bài tốt."}).encode() + b"\n"
MALFORMED = {
    "png.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), r"png\.txt: looks like a binary"),
    "utf16.jsonl": ('{"text": "Xin chào"}\n'.encode("utf-16"), r"utf16\.jsonl:1: is UTF-16"),
    "cp1258.txt": ("Xin chào, thủ đô Hà Nội".encode("cp1258", errors="ignore"), r"cp1258\.txt: is not UTF-8"),
    "half.jsonl": (GOOD_LINE + b'{"id": "half", "text": "B\xc3', r"half\.jsonl:2: (invalid JSON|is not UTF-8)"),
    "deep.jsonl": (GOOD_LINE + b"[" * 50_000 + b"\n", r"deep\.jsonl:2: invalid JSON \(nested too deeply\)"),
    "surrogate.jsonl": (GOOD_LINE + b'{"text": "a \\ud800 b"}\n', r"surrogate\.jsonl:2: 'text' holds a lone surrogate"),
    "badid.jsonl": (GOOD_LINE + b'{"id": {"x": 1}, "text": "a"}\n', r"badid\.jsonl:2: 'id' must be a string"),
    "truncated.jsonl.gz": (gzip.compress("".join(json.dumps({"text": f"Bài {i}."}) + "\n" for i in range(3000)).encode())[:-200],
                           r"truncated\.jsonl\.gz:\d+: is a damaged or truncated gzip"),
    "notgzip.jsonl.gz": (GOOD_LINE, r"notgzip\.jsonl\.gz:1: is a damaged or truncated gzip"),
    "empty.jsonl": (b"\n\n", r"empty\.jsonl: is empty"),
    "blank.txt": ("\u200b \n\t".encode(), r"blank\.txt:1: the article text is empty"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_file_names_file_and_line(tmp_path, name):
    data, message = MALFORMED[name]
    (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=message):
        load_articles([tmp_path / name])
    skipped = load_articles([tmp_path], skip_bad=True)
    assert {Path(s.location.split(":")[0]).name for s in skipped.skipped} == {name}


def test_broken_links_pipes_and_loops_are_reported_not_read(tmp_path):
    (tmp_path / "good.txt").write_text("Bài tốt.", encoding="utf-8")
    (tmp_path / "dead.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block for ever
    (tmp_path / "folder.txt").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    result = load_articles([tmp_path])
    assert [a.id for a in result.articles] == ["good"]
    assert {Path(p).name for p in result.ignored_files} == {"dead.txt", "a.jsonl", "b.jsonl", "pipe.txt"}
    for name in ("dead.txt", "a.jsonl", "pipe.txt"):
        with pytest.raises(InputError, match=rf"{name}: is not a regular file"):
            load_articles([tmp_path / name])


def test_an_empty_folder_loads_nothing_and_builds_nothing(tmp_path, monkeypatch, capsys, sample_dir, tiny_model):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    (tmp_path / "empty").mkdir()
    assert load_articles([tmp_path / "empty"]).articles == ()
    build_index(load_articles([sample_dir]).articles, name_or_path="s", embedder=HashingEmbedder())
    before = open_index("s").manifest
    with pytest.raises(InputError, match=r"empty: holds no articles to index; index s was left as it was"):
        build_index((), name_or_path="s", embedder=HashingEmbedder(), sources=[str(tmp_path / "empty")])
    assert cli_main(["index", "build", str(tmp_path / "empty"), "--name", "s", "--model", str(tiny_model)]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"qa: error: {tmp_path}/empty: holds no articles to index; index s was left as it was"]
    assert open_index("s").manifest == before


def test_a_five_megabyte_article_loads_and_chunks(tmp_path, sample_dir):
    paragraphs = "\n\n".join(a.text for a in load_articles([sample_dir]).articles)
    body = "\n\n".join([paragraphs] * (5_000_000 // len(paragraphs) + 1))
    (tmp_path / "big.txt").write_text(" date 2022-12 " + body, encoding="utf-8")
    (article,) = load_articles([tmp_path / "big.txt"]).articles
    assert len(article.text.encode("utf-8")) > 5_000_000 and str(article.date) == "2022-12"
    chunks = chunk_article(article)
    assert len(chunks) > 5000
    assert all(article.text[c.start : c.end] == c.text for c in chunks)


def test_a_run_of_glued_stops_is_split_in_linear_time():
    """"Ab.Ab.Ab…" once cost a look-back over the whole run at every stop (minutes for 100 KB)."""
    article = make_article(id="glued", text="Ab." * 35_000, source="hostile")
    assert len(sentence_spans(article.text)) == 35_000
    assert chunk_article(article)[-1].end == len(article.text)


# --- qa index add on bad input: nothing already indexed is lost ----------------------------------


def test_index_add_refuses_bad_input_and_keeps_the_index(tmp_path, monkeypatch, capsys, sample_dir):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    build_index(load_articles([sample_dir]).articles, name_or_path="s", embedder=HashingEmbedder())
    before = open_index("s").manifest
    bad = tmp_path / "new"
    bad.mkdir()
    (bad / "a.jsonl").write_bytes(GOOD_LINE + b'{"id": "half", "text": "B')
    assert cli_main(["index", "add", str(bad), "--name", "s"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"qa: error: {bad}/a.jsonl:2: invalid JSON (Unterminated string")
    (bad / "a.jsonl").write_bytes(b"\x1f\x8b" + bytes(100))
    assert cli_main(["index", "add", str(bad), "--name", "s"]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert open_index("s").manifest == before


def test_index_add_skip_bad_adds_the_good_and_reports_the_bad(tmp_path, monkeypatch, capsys, sample_dir, tiny_model):
    """Through the real ``qa index add`` (a real, tiny model): good articles in, each bad one reported."""
    from qa.models.embedder import SentenceTransformerEmbedder

    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    embedder = SentenceTransformerEmbedder(str(tiny_model))
    old = build_index(load_articles([sample_dir]).articles, name_or_path="s", embedder=embedder)
    new = tmp_path / "new"
    new.mkdir()
    (new / "a.jsonl").write_bytes(GOOD_LINE + b"not json\n" + b'{"id": "x", "text": "\\udc00"}\n')
    (new / "b.txt").write_bytes(b"\x00\x01binary")
    (new / "c.jsonl.gz").write_bytes(b"\x1f\x8b" + bytes(50))
    assert cli_main(["index", "add", str(new), "--name", "s", "--skip-bad"]) == 0
    err = capsys.readouterr().err
    for location in ("a.jsonl:2: invalid JSON", "a.jsonl:3: 'text' holds a lone surrogate", "b.txt: looks like a binary",
                     "c.jsonl.gz:1: is a damaged or truncated gzip"):
        assert f"skipped {new}/{location}" in err
    index = open_index("s", model=embedder.identity)
    assert [a.id for a in index.articles] == [a.id for a in old.articles] + ["ok"]
    assert index.articles[: len(old.articles)] == old.articles
    kept = len(old)
    assert (index.vectors.reconstruct_n(0, kept) == old.vectors.reconstruct_n(0, kept)).all()
