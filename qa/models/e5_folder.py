"""An E5S1 model written out as an ordinary sentence-transformers folder.

Why this shape: once the weights are a ``BertModel`` in safetensors with mean pooling and
L2 normalisation beside them, every consumer (sentence-transformers, the ONNX export, the
reader's encoder) loads the default model exactly as it would load any other. The tensor
names of the file map one to one onto BERT's (multilingual-e5-small's own config says
BertModel, not XLM-R), and the e5 prompts are declared in the folder's configuration, so
``encode_query`` / ``encode_document`` add them as they add any model's own prompts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file as save_safetensors

from qa.index.store import write_json
from qa.models.e5_format import E5File, load_tensor
from qa.models.e5_tokenizer import save_tokenizer

QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """The dequantised weights under the parameter names of ``transformers.BertModel``.

    The pooler is not part of e5 (it mean-pools); zero weights are written only so that
    loading reports no missing parameters. Nothing reads the pooler's output.
    """
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    modules = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(e5.header.layers):
        for short, module in modules.items():
            names[f"l{layer}.{short}.w"] = f"encoder.layer.{layer}.{module}.weight"
            names[f"l{layer}.{short}.b"] = f"encoder.layer.{layer}.{module}.bias"
    state = {hf_name: load_tensor(e5, name) for name, hf_name in names.items()}
    hidden = e5.header.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(hidden, dtype=np.float32)
    return state


def bert_config(e5: E5File) -> dict[str, Any]:
    """``config.json`` for a BertModel: absolute positions from 0, exact-erf GELU."""
    h, v = e5.header, e5.vocab
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": v.pad,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "torch_dtype": "float32",
    }


def sentence_transformers_files(e5: E5File) -> dict[str, Any]:
    """The sentence-transformers module files, keyed by path inside the folder."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": e5.header.max_positions, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": e5.header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": {"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def write_model_folder(e5: E5File, folder: Path) -> None:
    """Write every file the folder needs to load; a builder adds its own manifest after them."""
    write_json(folder / "config.json", bert_config(e5))
    for relative, content in sentence_transformers_files(e5).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        write_json(folder / relative, content)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    save_tokenizer(e5, folder)
    save_safetensors(bert_state_dict(e5), str(folder / "model.safetensors"), metadata={"format": "pt"})
