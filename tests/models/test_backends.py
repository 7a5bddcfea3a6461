"""Embedding backends: torch, the exported ONNX graph, and its int8 quantisation.

Most tests export the tiny real model (a one-layer BERT): export, cache, tokenisation, prompts,
pooling, identity, and an index that remembers its backend. One exports the real default model
and checks that int8 keeps its vectors close to torch fp32 and its ranking of the sample
passages. All are in the slow lane: every export spawns the exporter and the optimizer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.ingest.corpus import load_articles
from qa.models.embedder import SentenceTransformerEmbedder, resolve_backend
from qa.errors import ModelMismatchError, SettingError
from qa.index.building import build_index
from qa.index.opening import open_index

pytestmark = pytest.mark.slow

from tests.conftest import REPO_ROOT
TEXTS = ["Ai chủ trì hội nghị tổng kết công tác năm 2022?", "Cục Truyền thông CAND tổ chức cuộc gặp mặt.",
         "x", "Đại tá " * 200]  # the last is longer than the tiny model's 128 positions: truncated alike


@pytest.fixture
def embeddings_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    return tmp_path / "emb"


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_onnx_fp32_gives_the_torch_vectors(tiny_model, embeddings_dir, kind):
    torch_vectors = SentenceTransformerEmbedder(str(tiny_model), backend="torch").embed(TEXTS, kind=kind)
    onnx_vectors = SentenceTransformerEmbedder(str(tiny_model), backend="onnx").embed(TEXTS, kind=kind)
    assert onnx_vectors.shape == torch_vectors.shape and onnx_vectors.dtype == np.float32
    np.testing.assert_allclose(onnx_vectors, torch_vectors, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)


def test_the_exported_graph_runs_fused_attention_and_layer_norms(tiny_model, embeddings_dir):
    """A graph traced through another attention implementation would still be right, only
    slower: the fused kernels are a fifth of the ONNX speed-up (bench/embed_throughput.py)."""
    import onnx

    SentenceTransformerEmbedder(str(tiny_model), backend="onnx-int8")
    for graph in embeddings_dir.glob("models/onnx-*/*.onnx"):
        operators = {node.op_type for node in onnx.load(str(graph)).graph.node}
        assert {"SkipLayerNormalization", "BiasGelu"} <= operators, graph.name
        assert operators & {"Attention", "QAttention"}, graph.name


def test_int8_is_close_to_fp32_and_cached_once(tiny_model, embeddings_dir):
    fp32 = SentenceTransformerEmbedder(str(tiny_model), backend="onnx").embed(TEXTS, kind="passage")
    int8 = SentenceTransformerEmbedder(str(tiny_model), backend="onnx-int8")
    cosines = np.sum(int8.embed(TEXTS, kind="passage") * fp32, axis=1)
    assert cosines.min() > 0.9  # a random 16-dimension model quantises worse than a trained one
    exported = sorted(embeddings_dir.glob("models/onnx-*/*.onnx"))
    assert [p.name for p in exported] == ["model-int8.onnx", "model.onnx"]
    stamps = [p.stat().st_mtime_ns for p in exported]
    SentenceTransformerEmbedder(str(tiny_model), backend="onnx-int8")
    assert [p.stat().st_mtime_ns for p in exported] == stamps  # not exported again
    manifest = json.loads(next(embeddings_dir.glob("models/onnx-*/manifest.json")).read_text())
    assert manifest["source_fingerprint"] in int8.identity.fingerprint


def test_each_backend_is_its_own_identity(tiny_model, embeddings_dir):
    identities = {b: SentenceTransformerEmbedder(str(tiny_model), backend=b).identity for b in ("torch", "onnx", "onnx-int8")}
    assert len({i.fingerprint for i in identities.values()}) == 3
    assert {b: i.backend for b, i in identities.items()} == {b: b for b in identities}


def test_an_index_opens_with_the_backend_that_built_it(tiny_model, embeddings_dir, sample_dir):
    int8 = SentenceTransformerEmbedder(str(tiny_model), backend="onnx-int8")
    build_index(load_articles([sample_dir]).articles, name_or_path="news", embedder=int8)
    assert open_index("news").model == int8.identity
    opened = Assistant.open("news")
    assert opened.embedder.identity == int8.identity
    question = "Ai chủ trì hội nghị?"
    assert opened.ask(question).to_dict() == Assistant(open_index("news"), int8).ask(question).to_dict()
    assert Assistant.open("news", model=str(tiny_model)).embedder.identity == int8.identity  # backend: the index's
    with pytest.raises(ModelMismatchError, match="--backend onnx-int8"):
        Assistant.open("news", backend="torch")


def test_backend_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setenv("QA_EMBED_BACKEND", "onnx")
    assert resolve_backend(None) == "onnx"
    assert resolve_backend("torch") == "torch"
    monkeypatch.delenv("QA_EMBED_BACKEND")
    assert resolve_backend(None, local_model=False) == "torch"  # a hub model is not exported
    monkeypatch.setenv("QA_EMBED_BACKEND", "tensorrt")
    with pytest.raises(SettingError, match="QA_EMBED_BACKEND.*tensorrt.*torch, onnx, onnx-int8"):
        resolve_backend(None)


def test_cli_builds_with_a_backend_and_adds_with_the_same_one(tiny_model, tmp_path, sample_dir):
    env = {"QA_EMBEDDINGS_DIR": str(tmp_path / "emb"), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false",
           "PATH": "/usr/bin:/bin"}
    extra = tmp_path / "extra.txt"
    extra.write_text("Sáng 3/4/2023, Đại tá Lê Văn An chủ trì hội thảo.", encoding="utf-8")

    def qa(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "qa.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout

    qa("index", "build", str(sample_dir), "--name", "news", "--model", str(tiny_model), "--backend", "onnx-int8")
    qa("index", "add", str(extra), "--name", "news")
    assert "on onnx-int8" in qa("index", "info", "news")
    assert open_index(tmp_path / "emb" / "index" / "news").model.backend == "onnx-int8"


def test_int8_default_model_stays_close_to_torch(sample_dir):
    """The real model: int8 vectors within a small angle of fp32, question-passage scores within
    0.02, and each question's best passage under torch within 0.01 of int8's best (e5 scores of
    one article's passages sit within a few hundredths of each other, so near-ties may swap)."""
    texts = [a.text for a in load_articles([sample_dir]).articles]
    passages = [t[i:i + 600] for t in texts for i in range(0, len(t) - 300, 600)]  # no empty or stub slices
    questions = ["Ai chủ trì hội nghị?", "Who chaired the conference?", "Bao nhiêu đại biểu tham dự?"]
    torch_model = SentenceTransformerEmbedder(backend="torch")
    int8 = SentenceTransformerEmbedder(backend="onnx-int8")
    torch_p, int8_p = torch_model.embed(passages, kind="passage"), int8.embed(passages, kind="passage")
    assert np.sum(torch_p * int8_p, axis=1).min() > 0.97
    torch_scores = torch_model.embed(questions, kind="query") @ torch_p.T
    int8_scores = int8.embed(questions, kind="query") @ int8_p.T
    assert np.abs(torch_scores - int8_scores).max() < 0.02
    torch_best = np.argmax(torch_scores, axis=1)
    assert (int8_scores[np.arange(len(questions)), torch_best] >= int8_scores.max(axis=1) - 0.01).all()
