"""Sentences are embedded when the rules reader first reads them; older indexes keep their stored vectors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from qa.answer.rules import RulesReader
from qa.answer.sentence_vectors import SentenceVectors
from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.index.building import build_index
from qa.index.manifest import StoredFile, write_manifest
from qa.index.opening import open_index
from qa.index.store import sha256_file
from qa.ingest.corpus import load_articles
from tests.support.hashing_embedder import HashingEmbedder

QUESTIONS = ["Ai chủ trì hội nghị tổng kết công tác năm 2022?", "Hội nghị được tổ chức ở đâu?",
             "hoi nghi to chuc o dau", "Who chaired the conference?"]


@pytest.fixture
def built(tmp_path, sample_dir):
    build_index(load_articles([sample_dir]).articles, name_or_path=tmp_path / "s", embedder=HashingEmbedder())
    return tmp_path / "s"


def _sentence_texts(index, rows):
    return [index.articles[a].text[s:e] for a, s, e in index.sentence_rows[rows].tolist()]


def _as_built_before(folder, embedder) -> np.ndarray:
    """Give the version what builds stored before: a float16 vector per sentence, in the manifest."""
    index = open_index(folder)
    vectors = embedder.embed(_sentence_texts(index, np.arange(len(index.sentence_rows))), kind="passage").astype(np.float16)
    version = folder.resolve()
    np.save(version / "sentence_vectors.npy", vectors, allow_pickle=False)
    stored = StoredFile("sentence_vectors.npy", (version / "sentence_vectors.npy").stat().st_size,
                        sha256_file(version / "sentence_vectors.npy"))
    files = tuple(sorted((*index.manifest.files, stored), key=lambda f: f.path))
    write_manifest(version, dataclasses.replace(index.manifest, files=files))
    return vectors


def test_a_new_index_stores_no_sentence_vectors_and_the_reader_embeds_each_sentence_once(built):
    index = open_index(built)
    assert index.sentence_vectors is None
    assert not any("sentence_vectors" in f.path for f in index.manifest.files)
    embedder = HashingEmbedder()
    vectors = SentenceVectors(index, embedder)
    question = embedder.embed(["Ai chủ trì hội nghị?"], kind="query")[0]
    rows = index.sentences_of_chunk(0)

    first = vectors.similarities(rows, question)
    again = vectors.similarities(rows[::-1], question)
    expected = embedder.embed(_sentence_texts(index, rows), kind="passage") @ question
    assert first == pytest.approx(expected, abs=1e-6) and again == pytest.approx(expected[::-1], abs=1e-6)
    assert embedder.calls == [1, len(rows), len(rows)]  # the question, one batch of sentences, then our check only


def test_the_cache_forgets_the_least_recently_read_sentences_past_its_capacity(built):
    index = open_index(built)
    embedder = HashingEmbedder()
    vectors = SentenceVectors(index, embedder, capacity=2)
    for rows in ([0, 1], [2], [1], [0]):
        vectors.vectors(rows)
    assert embedder.calls == [2, 1, 1]  # row 1 was still cached; row 0 had been pushed out by row 2


def test_an_index_built_with_sentence_vectors_opens_verifies_and_answers_from_them(built, capsys):
    embedder = HashingEmbedder()
    before = {q: a.to_dict() for q, a in zip(QUESTIONS, Assistant.open(built, embedder=embedder, reader="rules").ask_batch(QUESTIONS))}
    stored = _as_built_before(built, embedder)

    index = open_index(built)
    assert isinstance(index.sentence_vectors, np.memmap) and np.array_equal(index.sentence_vectors, stored)
    assert cli_main(["index", "verify", str(built)]) == 0
    capsys.readouterr()
    reader = RulesReader(index, embedder=embedder)
    question = embedder.embed(["Ai chủ trì hội nghị?"], kind="query")[0]
    calls = len(embedder.calls)
    rows = index.sentences_of_chunk(0)
    assert reader.sentence_vectors.similarities(rows, question) == pytest.approx(stored[rows].astype(np.float32) @ question)
    assert len(embedder.calls) == calls  # read from the file, no model run

    after = Assistant.open(built, embedder=embedder, reader="rules").ask_batch(QUESTIONS)
    for question, answer in zip(QUESTIONS, after, strict=True):
        mine, theirs = answer.to_dict(), before[question]
        assert (mine["text"], mine["sentence"]) == (theirs["text"], theirs["sentence"])
        assert mine["confidence"] == pytest.approx(theirs["confidence"], abs=0.01)  # float16 against float32 vectors
