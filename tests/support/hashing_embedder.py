"""A tiny deterministic embedder for fast tests of the index and retrieval plumbing.

Each syllable (accent-folded, lower case) hashes to a few signed dimensions; a text is the
normalised sum. Texts that share words are close, so retrieval behaves sensibly, and the
same text always gives the same vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from qa.models.embedder import ModelIdentity
from qa.ingest.text import folded_tokens

DIMENSION = 64


class HashingEmbedder:
    def __init__(self, *, name: str = "test-hashing", dimension: int = DIMENSION) -> None:
        self._identity = ModelIdentity(name, f"hash-{dimension}", dimension)
        self.calls: list[int] = []  # how many texts each embed() call received

    @property
    def identity(self) -> ModelIdentity:
        return self._identity

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self._identity.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in folded_tokens(text):
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                for i in range(0, 8, 2):
                    out[row, digest[i] % self._identity.dimension] += 1.0 if digest[i + 1] % 2 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out[norms[:, 0] == 0, 0] = 1.0
        return out / np.maximum(norms, 1e-9)
