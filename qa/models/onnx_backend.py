"""The embedding model exported to ONNX and run by onnxruntime, with fp32 or int8 weights.

Why not sentence-transformers' own ``backend="onnx"``: it loads through optimum-onnx, whose
release pins transformers below 4.58 while this project runs transformers 5. The graph here
is the same one (``torch.onnx.export`` of the model's transformer), with attention, GELU and
layer norms fused into single onnxruntime kernels because that is a good part of the ONNX
speed-up on CPU (bench/results/embed_throughput.json); int8 is onnxruntime's dynamic
quantisation. Tokenisation, prompts, truncation and pooling are read from the model folder's
own sentence-transformers configuration, so fp32 vectors match the torch path within 1e-5
(the tests hold it). The exported files are generated content, cached under
``embeddings/models/`` and keyed by the source model's fingerprint, so a changed model is
exported again.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import ModelFormatError
from qa.index.store import write_json, writer_lock
from qa.models.quiet import quiet_root_logger, quiet_transformers
from qa.paths import models_dir
from qa.timing import stage

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # 2: fused attention, GELU and layer norms
OPSET = 17
FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class SentenceConfig:
    """What sentence-transformers would do around the transformer, read from the folder."""

    prompts: dict[str, str]
    max_tokens: int
    pooling: str  # "mean" or "cls"
    transformer_dir: Path


def read_sentence_config(folder: Path) -> SentenceConfig:
    modules = _read_json(folder / "modules.json")
    by_type = {str(m.get("type", "")).rsplit(".", 1)[-1]: folder / str(m.get("path", "")) for m in modules}
    if "Transformer" not in by_type or "Pooling" not in by_type:
        raise ModelFormatError(f"{folder / 'modules.json'}: the ONNX backend needs a Transformer and a Pooling module")
    pooling = _read_json(by_type["Pooling"] / "config.json")
    mode = "mean" if pooling.get("pooling_mode_mean_tokens") else "cls" if pooling.get("pooling_mode_cls_token") else None
    if mode is None:
        raise ModelFormatError(f"{by_type['Pooling'] / 'config.json'}: the ONNX backend supports mean or CLS pooling; "
                               "use --backend torch for this model")
    settings_file = by_type["Transformer"] / "sentence_bert_config.json"
    settings = _read_json(settings_file) if settings_file.is_file() else {}
    config_file = folder / "config_sentence_transformers.json"
    prompts = _read_json(config_file).get("prompts", {}) if config_file.is_file() else {}
    positions = _read_json(by_type["Transformer"] / "config.json").get("max_position_embeddings", 512)
    limit = min(int(settings.get("max_seq_length") or positions), int(positions))
    return SentenceConfig(dict(prompts), limit, mode, by_type["Transformer"])


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelFormatError(f"{path}: cannot read the model configuration ({error})") from error


def ensure_onnx_model(folder: Path, fingerprint: str, *, quantized: bool) -> Path:
    """The exported (and, if asked, quantised) graph for this model, made once and cached."""
    target = models_dir() / f"onnx-{fingerprint}-v{EXPORT_VERSION}"
    wanted = target / (INT8_FILE if quantized else FP32_FILE)
    if wanted.is_file():
        return wanted
    with writer_lock(target):  # processes starting at once export once, not each
        if not wanted.is_file():
            _export_into(target, folder, fingerprint, quantized=quantized)
    return wanted


def _export_into(target: Path, folder: Path, fingerprint: str, *, quantized: bool) -> None:
    """Each graph is made in a scratch folder and renamed in, so a killed export leaves none."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".export-") as scratch:
        exported, fp32 = Path(scratch) / "exported.onnx", target / FP32_FILE
        if not fp32.is_file():
            log.info("exporting %s to ONNX (once)", folder.name)
            _export(folder, exported)
            config = _read_json(read_sentence_config(folder).transformer_dir / "config.json")
            fuse_bert_graph(exported, Path(scratch) / FP32_FILE, heads=int(config.get("num_attention_heads", 0)),
                            hidden=int(config.get("hidden_size", 0)))
            os.replace(Path(scratch) / FP32_FILE, fp32)
        if quantized:
            log.info("quantising %s to int8 (once)", folder.name)
            quantize_int8(fp32, Path(scratch) / INT8_FILE)
            os.replace(Path(scratch) / INT8_FILE, target / INT8_FILE)
    write_json(target / "manifest.json", _manifest(folder, fingerprint, target))


def _export(folder: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces to the MatMul/Softmax pattern the optimizer fuses; SDPA does not.
    with quiet_transformers():
        model = AutoModel.from_pretrained(str(read_sentence_config(folder).transformer_dir),
                                          attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = torch.tensor([[0, 5, 6, 2]])
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about constants the graph does not depend on
        torch.onnx.export(LastHiddenState(model), (example, torch.ones_like(example), torch.zeros_like(example)),
                          str(out), dynamo=False, opset_version=OPSET, input_names=list(INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes)


def fuse_bert_graph(exported: Path, out: Path, *, heads: int, hidden: int) -> None:
    """Attention, GELU and layer norms as single onnxruntime kernels (BERT-family graphs).

    On a graph it does not recognise the optimizer fuses nothing and the graph stays correct;
    ``heads`` and ``hidden`` of 0 let it read them from the graph.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    with quiet_root_logger():  # the optimizer reports every fusion step at INFO
        fused = optimize_model(str(exported), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1)
    log.info("fused operators: %s", {k: v for k, v in fused.get_fused_operator_statistics().items() if v})
    fused.save_model_to_file(str(out))


def quantize_int8(fp32: Path, out: Path, *, seven_bit_weights: bool = False) -> None:
    """int8 weights, activations quantised per batch at run time: no calibration data needed.

    ``seven_bit_weights`` keeps weights within 7 bits. CPUs without VNNI (AVX2 alone, AVX-512
    before Cascade Lake) multiply 8-bit activations by 8-bit weights with an instruction whose
    16-bit pair sums saturate, so the same graph answers differently there; with 7-bit weights
    the sums cannot saturate and every CPU computes the same thing.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with quiet_root_logger():  # it advises shape pre-processing; dynamic int8 needs none
        # Fused kernels are outside ONNX's type inference; their outputs are float tensors.
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=seven_bit_weights, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def _manifest(folder: Path, fingerprint: str, target: Path) -> dict[str, object]:
    import onnxruntime

    return {"export_version": EXPORT_VERSION, "source": folder.name, "source_fingerprint": fingerprint,
            "opset": OPSET, "onnxruntime": onnxruntime.__version__,
            "fused": "onnxruntime transformer optimizer, model type bert",
            "int8": "onnxruntime quantize_dynamic, QInt8 weights, per channel",
            "files": sorted(p.name for p in target.glob("*.onnx"))}


def cpu_session(graph: Path, *, threads: int | None = None):
    """An onnxruntime CPU session for one of the project's graphs (the embedder's, the reader's)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle threads must not spin after a run: FAISS and BM25 need the cores next (spinning
    # doubled FAISS time inside ask() on 2 cores).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Texts to unit vectors through an onnxruntime session, batched by length like s-t."""

    def __init__(self, folder: Path, graph: Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.config = read_sentence_config(folder)
        self._session = cpu_session(graph, threads=threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(self.config.transformer_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.config.max_tokens)
        self._tokenizer.no_padding()
        self._pad_id = _pad_id(self.config.transformer_dir, self._tokenizer)
        self._lock = threading.Lock()  # one run keeps every core busy; the tokenizer is not re-entrant

    def encode(self, texts: Sequence[str], *, kind: str, batch_size: int) -> np.ndarray:
        """``kind`` "query" or "passage" picks the prompt the way ``encode_query`` and
        ``encode_document`` do (a document prompt may be named document, passage or corpus)."""
        names = ("query",) if kind == "query" else ("document", "passage", "corpus")
        prompt = next((self.config.prompts[n] for n in names if n in self.config.prompts), "")
        with self._lock:
            with stage("tokenising"):
                encodings = self._tokenizer.encode_batch([prompt + t for t in texts])
            order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
            pooled = [self._pool([encodings[i] for i in order[start:start + batch_size]])
                      for start in range(0, len(order), batch_size)]
        vectors = np.empty((len(texts), pooled[0].shape[1]), dtype=np.float32)
        vectors[order] = np.concatenate(pooled)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def _pool(self, encodings) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        with stage("model"):
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        if self.config.pooling == "cls":
            return hidden[:, 0].astype(np.float32)
        weights = mask[..., None].astype(np.float32)
        return (hidden * weights).sum(axis=1) / weights.sum(axis=1)


def _pad_id(folder: Path, tokenizer) -> int:
    specials = folder / "special_tokens_map.json"
    token = _read_json(specials).get("pad_token") if specials.is_file() else None
    if isinstance(token, dict):
        token = token.get("content")
    found = tokenizer.token_to_id(token) if token else None
    return int(found) if found is not None else 0

