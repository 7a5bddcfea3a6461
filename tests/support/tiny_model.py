"""A tiny but real sentence-transformers model folder, written in a fraction of a second.

Tests that run the ``qa`` command in a subprocess cannot hand it the in-process hashing
embedder, but ``--model PATH`` takes any sentence-transformers folder. This one is a BERT of
one layer and 16 dimensions with fixed random weights and a word-level vocabulary taken from
the texts given: it loads through the same code path as the default model and embeds in
milliseconds. Its answers are poor, which is fine: the tests compare answers, never judge them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa.index.store import write_json

HIDDEN, LAYERS, HEADS, FFN, POSITIONS = 16, 1, 2, 32, 128
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _tokenizer(vocabulary: list[str]):
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel

    tokenizer = Tokenizer(WordLevel({token: i for i, token in enumerate(vocabulary)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return tokenizer


def _vocabulary(texts: Iterable[str]) -> list[str]:
    from tokenizers import normalizers, pre_tokenizers

    normaliser = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    split = pre_tokenizers.Whitespace()
    words = {word for text in texts for word, _ in split.pre_tokenize_str(normaliser.normalize_str(text))}
    return SPECIALS + sorted(words)


def _weights(vocab_size: int) -> dict[str, np.ndarray]:
    """BertModel tensors with fixed random values (LayerNorms start as identity)."""
    rng = np.random.default_rng(0)
    shapes = {"embeddings.word_embeddings.weight": (vocab_size, HIDDEN),
              "embeddings.position_embeddings.weight": (POSITIONS, HIDDEN),
              "embeddings.token_type_embeddings.weight": (2, HIDDEN),
              "pooler.dense.weight": (HIDDEN, HIDDEN), "pooler.dense.bias": (HIDDEN,)}
    for layer in range(LAYERS):
        prefix = f"encoder.layer.{layer}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            shapes[prefix + name + ".weight"], shapes[prefix + name + ".bias"] = (HIDDEN, HIDDEN), (HIDDEN,)
        shapes[prefix + "intermediate.dense.weight"], shapes[prefix + "intermediate.dense.bias"] = (FFN, HIDDEN), (FFN,)
        shapes[prefix + "output.dense.weight"], shapes[prefix + "output.dense.bias"] = (HIDDEN, FFN), (HIDDEN,)
    tensors = {name: (rng.standard_normal(shape) * 0.5).astype(np.float32) for name, shape in shapes.items()}
    norms = ["embeddings.LayerNorm"] + [f"encoder.layer.{i}.{part}.LayerNorm" for i in range(LAYERS)
                                        for part in ("attention.output", "output")]
    for norm in norms:
        tensors[norm + ".weight"] = np.ones(HIDDEN, dtype=np.float32)
        tensors[norm + ".bias"] = np.zeros(HIDDEN, dtype=np.float32)
    return tensors


def build_tiny_model(folder: Path, texts: Iterable[str]) -> Path:
    """Write the model folder and return it; words outside ``texts`` map to [UNK]."""
    from safetensors.numpy import save_file

    vocabulary = _vocabulary(texts)
    (folder / "1_Pooling").mkdir(parents=True, exist_ok=True)
    write_json(folder / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": len(vocabulary), "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN, "hidden_act": "gelu",
        "max_position_embeddings": POSITIONS, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0})
    save_file(_weights(len(vocabulary)), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _tokenizer(vocabulary).save(str(folder / "tokenizer.json"))
    write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": POSITIONS, "pad_token": "[PAD]",
        "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]"})
    write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write_json(folder / "sentence_bert_config.json", {"max_seq_length": POSITIONS, "do_lower_case": False})
    write_json(folder / "1_Pooling" / "config.json", {"word_embedding_dimension": HIDDEN, "pooling_mode_mean_tokens": True})
    (folder / "2_Normalize").mkdir(exist_ok=True)
    return folder
