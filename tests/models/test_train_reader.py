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


def test_a_warm_started_stage_begins_from_the_earlier_run(shared_data, tmp_path):
    from safetensors.torch import load_file

    smoke = ["--smoke", "8", "--batch-size", "4", "--epochs", "1", "--save-every", "1"]
    _train(tmp_path / "first", *smoke)
    # With a learning rate of 0 the second stage cannot move: what it holds is what it started from.
    second = _train(tmp_path / "second", *smoke, "--warm-start", str(tmp_path / "first"), "--first-epoch", "1", "--lr", "0")
    assert "resuming at 0" in second and "done: 2 steps" in second
    before = load_file(str(tmp_path / "first" / "checkpoint.safetensors"))
    after = load_file(str(tmp_path / "second" / "checkpoint.safetensors"))
    trained = [k for k in before if k.startswith("param/")]
    assert trained and all(before[k].equal(after[k]) for k in trained)

    record = json.loads((tmp_path / "second" / "checkpoint.json").read_text())
    assert [stage["step"] for stage in record["stages"]] == [2] and record["first_epoch"] == 1
    _train(tmp_path / "second", "--export", str(tmp_path / "weights"))
    manifest = json.loads((tmp_path / "weights" / "manifest.json").read_text())
    assert manifest["earlier_stages"][0]["step"] == 2 and manifest["steps"] == 2

    # A third stage from the shipped (fp16) weights alone, as a session on another machine would.
    _train(tmp_path / "third", *smoke, "--warm-start", str(tmp_path / "weights"), "--first-epoch", "2", "--lr", "0")
    third = load_file(str(tmp_path / "third" / "checkpoint.safetensors"))
    assert all(third[k].equal(before[k].half().float()) for k in trained)
    record = json.loads((tmp_path / "third" / "checkpoint.json").read_text())
    assert [stage["step"] for stage in record["stages"]] == [2, 2]
