"""``qa index build --ray auto`` and ``qa index add --ray auto``: a Ray started by the command
itself (once per command), quiet, and an index that verifies and answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_build_and_add_on_a_local_ray_from_the_command_line(tmp_path, sample_dir, tiny_model):
    target = str(tmp_path / "s")
    built = _qa("index", "build", str(sample_dir), "--name", target, "--model", str(tiny_model), "--backend", "torch",
                "--ray", "auto", "--ray-workers", "2")
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[-1].startswith("built index s: 2 articles, 27 chunks")
    assert built.stderr == ""  # Ray's own logs, warnings and progress bars stay out of the way

    extra = tmp_path / "extra.txt"
    extra.write_text(" date 2023-03 Đại tá Nguyễn Văn Bình chủ trì hội thảo an ninh mạng tại Hà Nội.", encoding="utf-8")
    added = _qa("index", "add", str(extra), "--name", target, "--ray", "auto")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[-1] == "added 1, changed 0, unchanged 0; embedded 1 chunks"
    assert _qa("index", "verify", target).returncode == 0

    asked = _qa("ask", "Ai chủ trì hội thảo an ninh mạng?", "--index", target, "--reader", "rules", "--json")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["doc_id"] == "extra"


def test_ray_workers_without_ray_is_one_error_line(tmp_path, sample_dir):
    done = _qa("index", "build", str(sample_dir), "--name", str(tmp_path / "s"), "--ray-workers", "2")
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["qa: error: --ray-workers needs --ray auto or --ray ADDRESS"]
