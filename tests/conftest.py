"""Shared fixtures: the bundled sample corpus, and the evaluation data when it is present."""

from __future__ import annotations

from pathlib import Path

import pytest

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
