"""A collection's articles listed and removed: ``Assistant.articles()`` / ``remove()`` and
``qa index articles``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.errors import UnknownArticleError
from qa.index.opening import open_index
from qa.ingest.corpus import load_articles
from tests.support.hashing_embedder import HashingEmbedder

PAGES = Path(__file__).resolve().parent / "data" / "html"
BUS = "vnexpress-buyt-dien"
FLOOD = "tuoitre-lu-mien-trung"


@pytest.fixture
def corpus(tmp_path, sample_dir) -> Path:
    """The two sample articles (seed files) and two saved news pages."""
    folder = tmp_path / "corpus"
    shutil.copytree(sample_dir, folder)
    for name in (BUS, FLOOD):
        shutil.copy(PAGES / f"{name}.html", folder / f"{name}.html")
    return folder


@pytest.fixture
def assistant(tmp_path, monkeypatch, corpus) -> Assistant:
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    return Assistant.build([corpus], "news", embedder=HashingEmbedder(), reader="rules")


def _listed(articles) -> list[tuple[str, str | None, str, str]]:
    return sorted((a.id, str(a.date) if a.date else None, a.title, a.source) for a in articles)


def test_articles_lists_what_the_collection_holds(assistant, corpus, sample_dir):
    seeds = load_articles([sample_dir]).articles
    expected = sorted([(a.id, str(a.date), a.title, str(corpus / Path(a.source).name)) for a in seeds] + [
        (BUS, "2023-05-06", "Hà Nội mở thêm 12 tuyến buýt điện từ tháng 6", str(corpus / f"{BUS}.html")),
        (FLOOD, "2023-10-14", "Quảng Nam sơ tán hơn 3.000 hộ dân trước lũ lớn", str(corpus / f"{FLOOD}.html")),
    ])
    assert _listed(assistant.articles()) == expected


def test_remove_drops_articles_from_the_collection_and_from_answers(assistant):
    question = "Hà Nội mở thêm bao nhiêu tuyến buýt điện?"
    assert BUS in {c.doc_id for c in assistant.ask(question, k=5).citations}
    report = assistant.remove([BUS])
    assert report.removed == (BUS,)
    assert BUS not in {a.id for a in assistant.articles()}
    assert BUS not in {a.id for a in open_index("news").articles}  # a new version on disk, not only in memory
    assert BUS not in {c.doc_id for c in assistant.ask(question, k=5).citations}
    assert len(assistant.articles()) == 3


def test_removing_an_unknown_id_is_an_error_and_changes_nothing(assistant):
    before = _listed(assistant.articles())
    with pytest.raises(UnknownArticleError, match="khong-co"):
        assistant.remove([BUS, "khong-co"])
    assert _listed(assistant.articles()) == before
    assert _listed(open_index("news").articles) == before
    with pytest.raises(TypeError):
        assistant.remove(BUS)


def test_qa_index_articles_prints_one_tab_separated_line_per_article(assistant, capsys):
    assert cli_main(["index", "articles", "news"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = sorted(tuple(line.split("\t")) for line in lines)
    assert rows == [(i, d or "-", t, s) for i, d, t, s in _listed(assistant.articles())]
    assert (BUS, "2023-05-06", "Hà Nội mở thêm 12 tuyến buýt điện từ tháng 6") in {r[:3] for r in rows}


def test_qa_index_articles_json_and_after_a_remove(assistant, capsys):
    assistant.remove([FLOOD])
    assert cli_main(["index", "articles", "news", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert sorted(r["id"] for r in records) == sorted(a.id for a in assistant.articles())
    assert FLOOD not in {r["id"] for r in records}
    bus = next(r for r in records if r["id"] == BUS)
    assert bus["date"] == "2023-05-06" and bus["title"] == "Hà Nội mở thêm 12 tuyến buýt điện từ tháng 6"
    assert bus["url"] == "https://vnexpress.net/ha-noi-mo-them-12-tuyen-buyt-dien-tu-thang-6-4601234.html"
    assert set(bus) == {"id", "date", "title", "source", "url"}


def test_qa_index_articles_of_a_missing_collection_is_one_error_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    assert cli_main(["index", "articles", "nothing"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("qa: error:") and "nothing" in line


def test_a_whole_collection_is_deleted_with_every_version(assistant, tmp_path, capsys):
    from qa.errors import IndexNotFoundError
    from qa.index.names import list_indexes
    from qa.paths import indexes_dir

    assistant.remove([BUS])  # a second version, so there is an older one to leave behind too
    assert "news" in list_indexes()
    assert cli_main(["index", "delete", "news"]) == 0
    assert "deleted index news" in capsys.readouterr().out
    assert "news" not in list_indexes()
    assert not [p for p in indexes_dir().iterdir() if p.name.startswith(".news.") and not p.name.endswith(".lock")]
    with pytest.raises(IndexNotFoundError):
        open_index("news")
    assert cli_main(["index", "delete", "news"]) != 0  # a second delete names the missing index
    assert "no index named news" in capsys.readouterr().err
