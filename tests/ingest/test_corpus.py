"""Loading articles from every supported format, and the errors bad files give."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from qa.cli import main as cli_main
from qa.ingest.corpus import ArticleDate, load_articles
from qa.errors import DuplicateArticleError, InputError


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_seed_format_gives_date_and_derived_title(sample_dir):
    articles = {a.id: a for a in load_articles([sample_dir]).articles}
    may = articles["000_c157938d51d7c814"]
    assert str(may.date) == "2022-05"
    assert may.text.startswith("Chiều 6.5, Cục Truyền thông")
    assert not may.text.startswith("date")
    assert may.title_derived and may.title.startswith("Chiều 6.5, Cục Truyền thông")
    assert len(may.title) <= 91


def test_plain_text_without_header(tmp_path):
    (tmp_path / "bai.txt").write_text("Hôm nay trời đẹp. Mọi người đi chơi.", encoding="utf-8")
    (article,) = load_articles([tmp_path / "bai.txt"]).articles
    assert article.id == "bai" and article.date is None and article.title == "Hôm nay trời đẹp"


def test_jsonl_gz_fields_and_folder_mixing(tmp_path):
    records = [
        {"id": "a1", "title": "Tin một", "date": "2021-03-04", "text": "Nội dung một.", "source": "Dân trí", "url": "https://x/1"},
        {"text": "Chỉ có nội dung."},
    ]
    with gzip.open(tmp_path / "news.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.txt").write_text(" date 2022 Bài ba.", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    result = load_articles([tmp_path])
    by_id = {a.id: a for a in result.articles}
    assert set(by_id) == {"a1", "news:2", "x"}
    assert by_id["a1"].date == ArticleDate(2021, 3, 4) and by_id["a1"].source == "Dân trí"
    assert by_id["a1"].url == "https://x/1" and not by_id["a1"].title_derived
    assert str(by_id["x"].date) == "2022"
    assert result.ignored_files == (str(tmp_path / "notes.md"),)


def test_dates_keep_their_precision():
    assert ArticleDate.parse("2022-05").last_day() == date(2022, 5, 31)
    assert ArticleDate.parse("2024-02").last_day() == date(2024, 2, 29)
    assert ArticleDate.parse("2022").first_day() == date(2022, 1, 1)
    assert str(ArticleDate.parse("2021-03-04T10:00:00")) == "2021-03-04"
    with pytest.raises(ValueError):
        ArticleDate.parse("2022-13")


def test_duplicate_ids_name_both_sources(tmp_path):
    _write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "Một."}])
    _write_jsonl(tmp_path / "b.jsonl", [{"id": "x", "text": "Hai."}])
    with pytest.raises(DuplicateArticleError, match=r"a\.jsonl:1.*b\.jsonl:1"):
        load_articles([tmp_path])


def test_skipping_bad_records_keeps_the_first_of_a_reused_id_and_names_both_lines(tmp_path):
    _write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "Một."}, {"id": "x", "text": "Hai."}, {"id": "y", "text": "Ba."}])
    result = load_articles([tmp_path / "a.jsonl"], skip_bad=True)
    assert [(a.id, a.text) for a in result.articles] == [("x", "Một."), ("y", "Ba.")]
    (skipped,) = result.skipped
    assert skipped.location.endswith("a.jsonl:2") and "a.jsonl:1" in skipped.reason


def test_identical_texts_are_kept_once_and_reported(tmp_path):
    _write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "Cùng một bài."}, {"id": "y", "text": "Cùng  một bài.\n"}])
    result = load_articles([tmp_path])
    assert [a.id for a in result.articles] == ["x"]
    assert result.duplicates[0].dropped_id == "y" and result.duplicates[0].kept_id == "x"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("u16.txt", "Xin chào".encode("utf-16"), r"u16\.txt: is UTF-16"),
        ("latin.txt", "Xin chào".encode("cp1258"), r"latin\.txt: is not UTF-8"),
        ("empty.txt", b"  \n", r"empty\.txt: is empty"),
        ("bin.txt", b"\x00\x01\x02binary", r"bin\.txt: looks like a binary"),
        ("bad.jsonl", b'{"text": "ok"}\n{"text": "half\n', r"bad\.jsonl:2: invalid JSON"),
        ("notext.jsonl", b'{"text": "ok"}\n{"title": "no body"}\n', r"notext\.jsonl:2: no 'text' field"),
        ("baddate.jsonl", b'{"text": "ok", "date": "yesterday"}\n', r"baddate\.jsonl:1: not a date"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_articles([tmp_path / name])


def test_truncated_gzip_is_a_clear_error(tmp_path):
    whole = gzip.compress(("".join(json.dumps({"text": f"Bài {i}."}) + "\n" for i in range(2000))).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz:\d+: is a damaged or truncated gzip"):
        load_articles([tmp_path / "cut.jsonl.gz"])


def test_skip_bad_reports_each_record_and_keeps_the_good_ones(tmp_path):
    (tmp_path / "mixed.jsonl").write_text('{"id": "a", "text": "Tốt."}\nnot json\n{"id": "b"}\n{"id": "c", "text": "Cũng tốt."}\n', encoding="utf-8")
    (tmp_path / "u16.txt").write_bytes("Xin chào".encode("utf-16"))
    result = load_articles([tmp_path], skip_bad=True)
    assert [a.id for a in result.articles] == ["a", "c"]
    assert [s.location for s in result.skipped] == [f"{tmp_path}/mixed.jsonl:2", f"{tmp_path}/mixed.jsonl:3", f"{tmp_path}/u16.txt"]


def test_symlink_loop_and_empty_folder_do_not_hang(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "empty").mkdir()
    assert load_articles([tmp_path]).articles == ()


def test_cli_prints_one_line_and_fails_on_bad_input(tmp_path, capsys):
    (tmp_path / "bad.jsonl").write_bytes(b'{"text": "ok"}\n{"title": "x"}\n')
    assert cli_main(["corpus", "stats", str(tmp_path / "bad.jsonl")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"qa: error: {tmp_path}/bad.jsonl:2: no 'text' field"]


def test_cli_stats_counts_the_sample(sample_dir, capsys):
    assert cli_main(["corpus", "stats", str(sample_dir)]) == 0
    out = capsys.readouterr().out
    assert "articles kept" in out and "headlines derived from the lede" in out
    counts = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in out.splitlines()}
    assert counts["articles kept"] == "2" and counts["dated"] == "2" and counts["sentences"] == "44"
