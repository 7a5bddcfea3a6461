"""Shared fixtures: the bundled sample corpus, a tiny real model, and the evaluation data when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.corpus import load_articles
from qa.sample import sample_corpus_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return sample_corpus_dir()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("the evaluation data folder ../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample_dir) -> Path:
    """A real sentence-transformers folder small enough for ``qa`` commands run in subprocesses."""
    from tests.support.tiny_model import build_tiny_model

    articles = load_articles([sample_dir]).articles
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "model", [a.text for a in articles])


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory) -> dict[str, object]:
    """``python app.py`` over the shared sample index and the real default model, started once.

    Gradio keeps uploads in its own folder, given here so tests can see where files land.
    """
    from tests.support.browser import running_app

    folder = tmp_path_factory.mktemp("sample-app")
    uploads = folder / "uploads"
    with running_app(folder, env={"GRADIO_TEMP_DIR": str(uploads)}) as url:
        yield {"url": url, "uploads": uploads, "folder": folder}
