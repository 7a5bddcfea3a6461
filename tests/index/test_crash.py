"""Crash safety: ``qa index build`` and ``qa index add`` killed with SIGKILL mid-write.

Each command runs as a real subprocess with a tiny real model (``--model PATH``). With
``QA_STOP_AT=<stage>`` the writer stops itself at that point of the write (``store.checkpoint``);
the test looks at the disk to prove the write really is half done, kills the process with
SIGKILL, and checks that every file of the index still matches its size and checksum and that
it opens and answers exactly as before. The next run must complete and clear what the killed
ones left behind.

The damaged-file tests below show that the manifest catches what a crash or a bad disk could
leave: a truncated or missing file is a clear error on open; an altered one too when opening
reads it whole, and otherwise (a memory-mapped array) when the index is verified.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.ingest.corpus import load_articles
from qa.errors import IndexCorruptError
from qa.eval.gold import load_gold
from qa.index.building import build_index
from qa.index.opening import open_index, verify_index
from qa.index.updating import add_to_index
from qa.index.store import STOP_AT_ENV
from tests.support.hashing_embedder import HashingEmbedder

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # up to STOP_SECONDS at each of four stages

from tests.conftest import REPO_ROOT
STAGES = ("embedding", "writing", "publishing", "published")
BEFORE_SWAP = STAGES[:3]
NAME = "news"
EXTRA = ("Chiều 15/3/2023, tại Đà Nẵng, Đại tá Nguyễn Văn Bình chủ trì hội thảo an ninh mạng với 300 đại biểu. "
         "Hội thảo bàn về phòng chống lừa đảo trực tuyến.")
STOP_SECONDS = 180  # a cold start imports torch and sentence-transformers


@dataclass
class Lane:
    """One command, killed again and again over its own copy of the baseline index."""

    command: list[str]
    home: Path

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def hidden(self) -> set[str]:
        return {p.name for p in self.index_dir.iterdir() if p.name.startswith(f".{NAME}.") and not p.name.endswith(".lock")}

    def current(self) -> str:
        return (self.index_dir / NAME).resolve().name

    def start(self, stage: str | None) -> subprocess.Popen:
        env = {**os.environ, "QA_EMBEDDINGS_DIR": str(self.home), "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
        env.pop(STOP_AT_ENV, None)
        if stage:
            env[STOP_AT_ENV] = stage
        log = (self.home / f"run-{stage or 'complete'}.log").open("w")
        return subprocess.Popen(self.command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self, stage: str | None) -> str:
        return (self.home / f"run-{stage or 'complete'}.log").read_text(errors="replace")[-3000:]


def wait_until_stopped(process: subprocess.Popen, lane: Lane, stage: str) -> None:
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        pid, status = os.waitpid(process.pid, os.WNOHANG | os.WUNTRACED)
        if pid and os.WIFSTOPPED(status):
            return
        assert not pid, f"{lane.command[3]} ended before reaching {stage!r}:\n{lane.log(stage)}"
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"{lane.command[3]} did not reach {stage!r} within {STOP_SECONDS} s:\n{lane.log(stage)}")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)  # a stopped process dies at once, with no clean-up
    assert process.wait(timeout=30) == -signal.SIGKILL


def assert_half_done(lane: Lane, stage: str, before: set[str], baseline_version: str) -> None:
    """The disk shows the write really was under way at ``stage`` when the process was killed."""
    new = lane.hidden() - before
    versions = [lane.index_dir / n for n in new if not n.startswith(f".{NAME}.link-")]
    if stage == "embedding":
        assert new == set()
        return
    assert len(versions) == 1, f"expected one new version beside the published one at {stage!r}, found {new}"
    version = versions[0]
    if stage == "writing":
        assert (version / "articles.jsonl").is_file() and not (version / "vectors.faiss").exists()
        assert not (version / "manifest.json").exists()
    if stage == "publishing":
        assert (version / "manifest.json").is_file() and any(n.startswith(f".{NAME}.link-") for n in new)
    assert lane.current() == (version.name if stage == "published" else baseline_version)


def assert_bm25_segment_linked(lane: Lane, before: set[str], baseline_version: str) -> None:
    """An add's new version shares the baseline's BM25 segment through hard links and indexed
    only the new article, as a segment of its own."""
    (version,) = [n for n in lane.hidden() - before if not n.startswith(f".{NAME}.link-")]
    base, new = lane.index_dir / baseline_version / "bm25", lane.index_dir / version / "bm25"
    kept = [p.relative_to(base) for p in (base / "s00001").rglob("*") if p.is_file() and p.name != "rows.npy"]
    assert len(kept) == 12 and all(os.path.samefile(base / p, new / p) for p in kept)
    added = json.loads((new / "segments.json").read_text(encoding="utf-8"))["segments"][-1]
    assert added["name"] == "s00002" and added["live"] == added["passages"] >= 1


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_model, sample_dir):
    """The baseline index (built in-process) and the answers it gives."""
    from qa.models.embedder import SentenceTransformerEmbedder

    root = tmp_path_factory.mktemp("crash")
    extra = root / "extra"
    extra.mkdir()
    (extra / "hoi-thao.txt").write_text(" date 2023-03 " + EXTRA, encoding="utf-8")
    # torch: with int8 weights, activations are quantised per batch, so a text's vector depends a
    # little on the batch it is embedded in and "add equals build" would hold to ~1e-3 only.
    embedder = SentenceTransformerEmbedder(str(tiny_model), backend="torch")
    base = root / "base"
    build_index(load_articles([sample_dir]).articles, name_or_path=base / "index" / NAME, embedder=embedder,
                sources=[str(sample_dir)])
    questions = [g.question for g in load_gold()[:15]] + ["Ai chủ trì hội thảo an ninh mạng?"]
    return dict(root=root, extra=extra, embedder=embedder, base=base, questions=questions,
                answers=answers_of(base / "index" / NAME, embedder, questions),
                manifest=open_index(base / "index" / NAME).manifest)


def answers_of(path: Path, embedder, questions: list[str]) -> list[dict]:
    """Every answer in full, from an index opened as the page and ``qa ask`` open it."""
    assistant = Assistant(open_index(path, model=embedder.identity), embedder)
    return [answer.to_dict() for answer in assistant.ask_batch(questions)]


def without_float_noise(answers: list[dict]) -> list[dict]:
    """Citation scores to four places: a chunk embedded in a batch of one (add) and in a padded
    batch of many (build) differs in the last bits of its vector, which moves a score by ~1e-6."""
    return [{**a, "citations": tuple({**c, "score": round(c["score"], 4)} for c in a["citations"])} for a in answers]


def test_killed_build_and_add_leave_the_index_answering_as_before(world, tiny_model, sample_dir):
    lanes = {}
    for kind, command in {"build": ["index", "build", str(sample_dir), str(world["extra"]), "--model", str(tiny_model),
                                    "--backend", "torch"],
                          "add": ["index", "add", str(world["extra"])]}.items():
        home = world["root"] / kind
        shutil.copytree(world["base"], home, symlinks=True)
        lanes[kind] = Lane([sys.executable, "-m", "qa.cli", *command, "--name", NAME], home)
    baseline_version = lanes["build"].current()

    for stage in STAGES:
        before = {kind: lane.hidden() for kind, lane in lanes.items()}
        running = {kind: lane.start(stage) for kind, lane in lanes.items()}  # both at once: two cores
        for kind, lane in lanes.items():
            wait_until_stopped(running[kind], lane, stage)
            assert_half_done(lane, stage, before[kind], baseline_version)
            if kind == "add" and stage in ("publishing", "published"):
                assert_bm25_segment_linked(lane, before[kind], baseline_version)
            kill(running[kind])
            path = lane.index_dir / NAME
            assert verify_index(path).problems == (), (kind, stage)
            if stage in BEFORE_SWAP:
                assert open_index(path).manifest == world["manifest"], (kind, stage)
                assert answers_of(path, world["embedder"], world["questions"]) == world["answers"], (kind, stage)
            else:  # killed after the swap: the new version is whole, only the old one is left over
                assert [a.id for a in open_index(path).articles][-1] == "hoi-thao"
                assert baseline_version in lanes[kind].hidden()

    finished = {kind: lane.start(None) for kind, lane in lanes.items()}
    for kind, lane in lanes.items():
        assert finished[kind].wait(timeout=STOP_SECONDS) == 0, lane.log(None)
        assert lane.hidden() == {lane.current()}, f"{kind} left {lane.hidden()}"
        assert verify_index(lane.index_dir / NAME).problems == (), kind
    final = {kind: without_float_noise(answers_of(lane.index_dir / NAME, world["embedder"], world["questions"]))
             for kind, lane in lanes.items()}
    assert final["add"] == final["build"]  # adding to the old index equals building the new corpus
    assert final["add"] != world["answers"]  # and the new article is there to be found


# --- a damaged index is a clear error on open, or on verify -------------------------------------


@pytest.fixture
def built(tmp_path, monkeypatch, sample_dir):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))
    build_index(load_articles([sample_dir]).articles, name_or_path="s", embedder=HashingEmbedder(), sources=["articles/"])
    return tmp_path / "emb" / "index" / "s"


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")


def test_the_manifest_has_a_checksum_for_every_file(built):
    assert [f.path for f in open_index("s").manifest.files] == _files(built)
    assert len(_files(built)) >= 8  # articles, chunks, sentences, vectors and bm25 arrays


MAPPED = {"vectors.faiss"} | {
    f"bm25/s00001/{field}/{name}" for field in ("folded", "marked")
    for name in ("indptr.npy", "docs.npy", "counts.npy", "vocabulary.keys.npy",
                 "vocabulary.columns.npy")}  # memory-mapped: opening checks their size only


@pytest.mark.parametrize("damage", ["truncated", "flipped", "missing"])
def test_every_damaged_file_is_named_on_open_or_verify(built, damage):
    problems = {"truncated": "(truncated?)", "flipped": "does not match its checksum (corrupted)", "missing": "is missing"}
    assert MAPPED < set(_files(built))
    for relative in _files(built):
        path = built / relative
        original = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(original[: len(original) // 2])
        elif damage == "flipped":
            path.write_bytes(original[:-1] + bytes([original[-1] ^ 0x01]))  # same size, one bit
        else:
            path.unlink()
        (found,) = verify_index("s").problems
        assert found.startswith(f"{relative} ") and found.endswith(problems[damage]), found
        if damage == "flipped" and relative in MAPPED:
            open_index("s")  # the last bit of an array or of an unread file: only verify sees it
        else:
            with pytest.raises(IndexCorruptError) as raised:
                open_index("s")
            message = str(raised.value)
            assert f"{relative} " in message and problems[damage] in message, message
            assert message.endswith("rebuild it with: qa index build articles/ --name s")
        path.write_bytes(original)
    open_index("s")  # whole again
    assert verify_index("s").problems == ()


@pytest.mark.parametrize("manifest", ["{not json", "[]", "{}", '{"format_version": 3}', '{"format_version": 2}'])
def test_a_damaged_manifest_is_a_one_line_error(built, capsys, manifest):
    (built / "manifest.json").write_text(manifest, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="rebuild it with: qa index build"):
        open_index("s")
    assert cli_main(["index", "info", "s"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("qa: error: index ") and "rebuild it with" in line


def test_opening_while_a_writer_publishes_reads_one_whole_version(built, monkeypatch, sample_dir):
    """A writer swaps the link and removes the old version in the middle of an open."""
    from qa.index import opening

    check = opening._check_files
    extra = load_articles([sample_dir]).articles[0]
    publish_once = [lambda: add_to_index("s", [extra.__class__(**{**extra.__dict__, "id": "copy", "text": EXTRA})],
                                         embedder=HashingEmbedder())]

    def check_during_a_publish(*args, **options):
        while publish_once:
            publish_once.pop()()
        return check(*args, **options)

    monkeypatch.setattr(opening, "_check_files", check_during_a_publish)
    index = open_index("s")
    assert not publish_once  # the publish did happen mid-open
    assert index.manifest.counts.articles == len(index.articles) == 3
    assert len(index) == index.manifest.counts.chunks == index.vectors.ntotal
