"""A build on Ray is the build on this machine: same chunks, vectors, answers and a version that verifies.

One local Ray serves the whole module (``ray_session`` started once); builds inside it join it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.cli import main as cli_main
from qa.errors import SettingError
from qa.index.building import build_index
from qa.index.distributed import RAY_MISSING, RayBuild, ray_session
from qa.index.opening import open_index
from qa.index.updating import add_to_index
from qa.ingest.corpus import load_articles, make_article
from tests.support.hashing_embedder import HashingEmbedder

ON_RAY = RayBuild(workers=2, load_embedder=HashingEmbedder)


@pytest.fixture(scope="module")
def local_ray():
    with ray_session("auto"):
        yield


def _extra(i: int) -> dict[str, str]:
    return {"id": f"x{i}", "source": "test", "date": f"2021-{1 + i % 12:02d}-01",
            "text": f"Bài số {i} nói về chủ đề {i}. Đại tá Trần Văn {chr(65 + i % 26)} chủ trì hội thảo số {i}. "
                    f"Hội thảo diễn ra tại Hà Nội vào sáng thứ {2 + i % 5}."}


@pytest.fixture
def articles(sample_dir):
    """The two sample articles and enough more for several groups on each of two actors."""
    return load_articles([sample_dir]).articles + tuple(make_article(**_extra(i)) for i in range(90))


def _checksums(index) -> dict[str, str]:
    return {f.path: f.sha256 for f in index.manifest.files}


@pytest.mark.slow
def test_a_ray_build_writes_the_same_files_as_a_local_build_and_verifies(local_ray, tmp_path, articles, capsys):
    local = build_index(articles, name_or_path=tmp_path / "local", embedder=HashingEmbedder())
    on_ray = build_index(articles, name_or_path=tmp_path / "ray", embedder=HashingEmbedder(), ray=ON_RAY)

    assert np.array_equal(on_ray.chunk_rows, local.chunk_rows)
    assert np.array_equal(on_ray.sentence_rows, local.sentence_rows)
    assert _checksums(on_ray) == _checksums(local)  # articles, rows, FAISS and BM25, byte for byte
    assert on_ray.manifest.counts == local.manifest.counts
    stages = dict(on_ray.manifest.build_stages_seconds)
    assert {"ray", "workers_chunking", "workers_embedding", "bm25", "faiss", "writing"} <= set(stages)
    assert cli_main(["index", "verify", str(tmp_path / "ray")]) == 0
    assert capsys.readouterr().out.startswith(f"index {tmp_path / 'ray'}: ok,")


@pytest.mark.slow
def test_adding_on_ray_gives_the_index_a_local_add_gives(local_ray, tmp_path, articles):
    first, later = articles[:40], (*articles[40:], make_article(id="x3", text="Bài số 3 đã được sửa lại.", source="test"))
    for name, ray in (("local", None), ("ray", ON_RAY)):
        build_index(first, name_or_path=tmp_path / name, embedder=HashingEmbedder())
        _, report = add_to_index(tmp_path / name, later, embedder=HashingEmbedder(), ray=ray)
        assert report.changed == ("x3",) and len(report.added) == len(later) - 1
    assert _checksums(open_index(tmp_path / "ray")) == _checksums(open_index(tmp_path / "local"))


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_default_model_on_ray_answers_as_a_local_build(local_ray, tmp_path, sample_dir):
    """Actors load the default model themselves, with one thread each where the local build has two.
    Its int8 activations are quantised per batch; actors embed the same groups of articles as a
    local build, so the vectors are the same bit for bit."""
    from qa.assistant import Assistant
    from qa.models.embedder import make_embedder

    extra = tmp_path / "extra.jsonl"
    extra.write_text("".join(json.dumps(_extra(i), ensure_ascii=False) + "\n" for i in range(90)), encoding="utf-8")
    embedder = make_embedder()
    local = Assistant.build([sample_dir, extra], tmp_path / "local", embedder=embedder, reader="rules")
    on_ray = Assistant.build([sample_dir, extra], tmp_path / "ray", embedder=embedder, reader="rules",
                             ray=RayBuild(workers=2))  # 92 articles: 3 groups, 2 one-thread actors

    assert np.array_equal(on_ray.index.chunk_rows, local.index.chunk_rows)
    assert _checksums(on_ray.index) == _checksums(local.index)
    assert cli_main(["index", "verify", str(tmp_path / "ray")]) == 0
    questions = ["Ai chủ trì hội nghị tổng kết công tác năm 2022?", "Hội nghị được tổ chức ở đâu?",
                 "When was the meeting with the press agencies?"]
    for mine, theirs in zip(local.ask_batch(questions), on_ray.ask_batch(questions), strict=True):
        assert (theirs.text, theirs.sentence, theirs.abstained) == (mine.text, mine.sentence, mine.abstained)
        assert [(c.doc_id, c.start, c.end) for c in theirs.citations] == [(c.doc_id, c.start, c.end) for c in mine.citations]
        assert [c.score for c in theirs.citations] == pytest.approx([c.score for c in mine.citations], abs=1e-6)


def test_a_ray_build_without_ray_installed_names_the_extra(monkeypatch, tmp_path, sample_dir):
    monkeypatch.setitem(sys.modules, "ray", None)  # what importing an absent package does
    with pytest.raises(SettingError, match="pip install -e \".\\[ray\\]\"") as raised:
        build_index(load_articles([sample_dir]).articles, name_or_path=tmp_path / "s", embedder=HashingEmbedder(),
                    ray=RayBuild())
    assert str(raised.value) == RAY_MISSING
    assert not (tmp_path / "s").exists()


def test_importing_qa_and_building_locally_never_loads_ray(tmp_path, sample_dir):
    script = (
        "import sys, qa, qa.assistant, qa.cli\n"
        "from qa.index.building import build_index\n"
        "from qa.ingest.corpus import load_articles\n"
        "from tests.support.hashing_embedder import HashingEmbedder\n"
        f"build_index(load_articles([{str(sample_dir)!r}]).articles, name_or_path={str(tmp_path / 's')!r}, "
        "embedder=HashingEmbedder())\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]"
