"""The reader's training script: a few smoke steps, a resume, and the shipped-weights export.

Slow lane, and only where ../shared/data is present (it trains on that data).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _train(out, *extra: str) -> str:
    done = subprocess.run([sys.executable, "bench/train_reader.py", "--out", str(out), *extra], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_training_checkpoints_resumes_and_exports(shared_data, tmp_path):
    from qa.models.span_export import WEIGHTS_FILE, read_manifest, trained_network

    smoke = ["--smoke", "12", "--batch-size", "4", "--epochs", "1", "--save-every", "1"]
    first = _train(tmp_path / "run", *smoke, "--hours", "0.00001")  # stops after its first step
    assert "resuming at 0" in first and "stopping at step 1" in first
    second = _train(tmp_path / "run", *smoke)
    assert "resuming at 1" in second and "done: 3 steps" in second
    assert json.loads((tmp_path / "run" / "checkpoint.json").read_text())["step"] == 3

    _train(tmp_path / "run", "--export", str(tmp_path / "weights"))
    manifest = read_manifest(tmp_path / "weights")  # checks the SHA-256 it records
    assert manifest["steps"] == 3 and (tmp_path / "weights" / WEIGHTS_FILE).stat().st_size < 50 * 2**20
    net = trained_network(tmp_path / "weights")
    assert net.encoder.config.num_hidden_layers == 12
