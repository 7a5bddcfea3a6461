"""What int8 costs the reader: fp32 (shipped) against int8 with 8-bit and 7-bit weights.

onnxruntime multiplies its 8-bit activations by 8-bit weights with VNNI where the CPU has it,
and otherwise (AVX2, AVX-512 before Cascade Lake) with an instruction whose 16-bit pair sums
saturate: the same graph then gives other logits. With 7-bit weights (``reduce_range``) the
sums cannot saturate. This script reads the 198 ViNewsQA training questions held out of reader
training (each given its own article, as the training's validation does; never ``dev``) with
the reader's fp32 graph and with each int8 form, and compares the embedder's int8 vectors with
its fp32 ones on the same questions and the passages of their articles. Run it on a CPU with
and without VNNI to see both sides; the CPU's flags are written beside the numbers.

    .venv/bin/python bench/reader_quantisation.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_reader import load_questions, validate, word_chunks  # noqa: E402

from qa.answer.question import analyse  # noqa: E402
from qa.assistant import default_assistant  # noqa: E402
from qa.index.store import write_json  # noqa: E402
from qa.models.e5_rebuild import ensure_default_model  # noqa: E402
from qa.models.embedder import DEFAULT_MODEL, model_location  # noqa: E402
from qa.models.onnx_backend import (  # noqa: E402
    FP32_FILE, INT8_FILE, OnnxEncoder, cpu_session, ensure_onnx_model, quantize_int8)
from qa.models.reader_inputs import ReaderTokenizer  # noqa: E402
from qa.models.span_export import export_fused, weights_dir  # noqa: E402
from qa.models.span_reader import SpanModel, SpanReaderSettings, read_passages  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
THREADS = 2
SAMPLE_QUESTION = "Ai chủ trì hội nghị tổng kết công tác năm 2022?"  # the sample corpus's first question


class GraphNet:
    """An onnxruntime session called the way ``validate`` calls the torch reader."""

    def __init__(self, graph: Path) -> None:
        self._session = cpu_session(graph, threads=THREADS)

    def eval(self) -> GraphNet:
        return self

    def __call__(self, ids, mask):
        import torch

        outputs = self._session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
        return [torch.from_numpy(x) for x in outputs]


def cpu_flags() -> dict[str, bool]:
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    return {name: name in flags for name in ("avx2", "avx512f", "avx512_vnni", "avx_vnni")}


def reader_rows(rows: list[dict], scratch: Path) -> list[dict]:
    tokenizer = ReaderTokenizer.from_file(str(ensure_default_model() / "tokenizer.json"))
    fused = scratch / "fused.onnx"
    export_fused(weights_dir(), fused)
    graphs = {"fp32 (shipped)": fused}
    for name, seven_bit in (("int8, 8-bit weights (reader export 1)", False), ("int8, 7-bit weights", True)):
        graphs[name] = scratch / f"{'int8-7' if seven_bit else 'int8-8'}.onnx"
        quantize_int8(fused, graphs[name], seven_bit_weights=seven_bit)
    question = analyse(SAMPLE_QUESTION)
    passages = default_assistant(reader="rules").pipeline.retriever.search(SAMPLE_QUESTION, k=3)
    found = []
    for name, graph in graphs.items():
        started = time.perf_counter()
        scores = validate(GraphNet(graph), tokenizer, rows)
        seconds = time.perf_counter() - started
        excerpts, readings = read_passages(SpanModel(graph, tokenizer), question, passages, settings=SpanReaderSettings())
        excerpt, best = max(zip(excerpts, readings, strict=True), key=lambda pair: pair[1].margin)
        found.append({"graph": name, "exact_match": round(100 * scores["exact_match"], 1),
                      "f1": round(100 * scores["f1"], 1), "ms_per_question": round(1000 * seconds / len(rows), 1),
                      "sample_answer": excerpt.text[best.start:best.end]})
        print(found[-1], flush=True)
    return found


def embedder_rows(rows: list[dict], scratch: Path) -> tuple[list[dict], int]:
    """Cosine of each int8 form's vectors to fp32's, and dense article R@1 over the articles'
    passages; and how many passages those are."""
    folder = ensure_default_model()
    shipped = ensure_onnx_model(folder, model_location(DEFAULT_MODEL)[1], quantized=True)
    seven_bit = scratch / "embedder-int8-7.onnx"
    quantize_int8(shipped.with_name(FP32_FILE), seven_bit, seven_bit_weights=True)
    contexts = sorted({row["context"] for row in rows})
    chunks = [(k, text[s:e]) for k, text in enumerate(contexts) for s, e in word_chunks(text)]
    own = np.array([contexts.index(row["context"]) for row in rows])
    vectors = {}
    for name, graph in (("fp32", shipped.with_name(FP32_FILE)), ("int8, 8-bit weights (shipped)", shipped.with_name(INT8_FILE)),
                        ("int8, 7-bit weights", seven_bit)):
        encoder = OnnxEncoder(folder, graph, threads=THREADS)
        vectors[name] = (encoder.encode([c for _, c in chunks], kind="passage", batch_size=32),
                         encoder.encode([row["question"] for row in rows], kind="query", batch_size=32))
    article_of = np.array([k for k, _ in chunks])
    reference_passages, reference_queries = vectors["fp32"]
    found = []
    for name, (passages, queries) in vectors.items():
        first = article_of[np.argmax(queries @ passages.T, axis=1)]
        found.append({"graph": name, "dense_article_r1": round(100 * float(np.mean(first == own)), 1),
                      "passage_cosine_min": round(float((passages * reference_passages).sum(1).min()), 4),
                      "query_cosine_min": round(float((queries * reference_queries).sum(1).min()), 4)})
        print(found[-1], flush=True)
    return found, len(chunks)


def markdown(report: dict) -> str:
    lines = [f"Measured by bench/reader_quantisation.py, {report['threads']} threads, on a CPU with "
             + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in report["cpu"].items()) + ".", "",
             f"Reader, {report['questions']} held-out training questions, each given its own article:", "",
             f"| graph | EM | F1 | ms per question | \"{SAMPLE_QUESTION}\" over the sample |", "|---|---|---|---|---|"]
    lines += [f"| {r['graph']} | {r['exact_match']} | {r['f1']} | {r['ms_per_question']} | {r['sample_answer']} |"
              for r in report["reader"]]
    lines += ["", f"Embedder, the same questions against the {report['passages']} passages of their articles:", "",
              "| graph | dense article R@1 | lowest passage cosine to fp32 | lowest query cosine to fp32 |",
              "|---|---|---|---|"]
    lines += [f"| {r['graph']} | {r['dense_article_r1']} | {r['passage_cosine_min']} | {r['query_cosine_min']} |"
              for r in report["embedder"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    rows = load_questions()[1]
    with tempfile.TemporaryDirectory(prefix="reader-quantisation-") as scratch:
        reader = reader_rows(rows, Path(scratch))
        embedder, passages = embedder_rows(rows, Path(scratch))
    report = {"cpu": cpu_flags(), "threads": THREADS, "questions": len(rows), "passages": passages,
              "reader": reader, "embedder": embedder}
    write_json(RESULTS / "reader_quantisation.json", report)
    (RESULTS / "reader_quantisation.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
