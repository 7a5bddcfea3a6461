"""Question + passage -> the token windows a span reader reads, with character offsets.

Training and inference share this one featuriser so that a window seen at answer time is
built exactly as the windows the reader was trained on: ``<s> question </s></s> passage
window </s>``, the question cut to ``MAX_QUESTION_TOKENS``, the passage cut into windows of
at most ``max_tokens`` with ``stride`` tokens of overlap. Every passage token keeps its
character span in the passage text, so a predicted span maps back to exact article offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from tokenizers import Tokenizer

MAX_QUESTION_TOKENS = 48
MAX_TOKENS = 256
STRIDE = 64
MIN_PASSAGE_TOKENS = 16


@dataclass(frozen=True)
class Window:
    """One model input. ``offsets[i]`` is the passage character span of token i, or (-1, -1)
    for the special and question tokens that can never start or end an answer."""

    input_ids: np.ndarray  # int64 [n]
    offsets: np.ndarray  # int64 [n, 2]
    passage_index: int  # which passage of the batch the window came from

    @property
    def answer_mask(self) -> np.ndarray:
        """Tokens that may start or end an answer (passage tokens only)."""
        return self.offsets[:, 0] >= 0


class ReaderTokenizer:
    """The embedding model's own sentencepiece tokenizer, used without its post-processor."""

    def __init__(self, tokenizer: Tokenizer, *, bos_id: int, eos_id: int, pad_id: int) -> None:
        self._tokenizer = tokenizer
        self.bos_id, self.eos_id, self.pad_id = bos_id, eos_id, pad_id
        self.token_starts = lru_cache(maxsize=256)(self._token_starts)

    @classmethod
    def from_file(cls, path: str) -> ReaderTokenizer:
        tokenizer = Tokenizer.from_file(path)
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return cls(tokenizer, bos_id=tokenizer.token_to_id("<s>"), eos_id=tokenizer.token_to_id("</s>"),
                   pad_id=tokenizer.token_to_id("<pad>"))

    def question_ids(self, questions: list[str]) -> list[list[int]]:
        encodings = self._tokenizer.encode_batch(questions, add_special_tokens=False)
        return [e.ids[:MAX_QUESTION_TOKENS] for e in encodings]

    def passage_tokens(self, passages: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """Token ids and character spans; a span's leading word-boundary space is dropped."""
        out = []
        for text, encoding in zip(passages, self._tokenizer.encode_batch(passages, add_special_tokens=False), strict=True):
            spans = []
            for start, end in encoding.offsets:
                while start < end and text[start].isspace():
                    start += 1
                spans.append((start, end))
            out.append((encoding.ids, spans))
        return out

    def _token_starts(self, text: str) -> np.ndarray:
        """Where each token of the text begins: counting those in a range counts the tokens of
        that part of the text without encoding it again (cached: an article is read for one
        passage after another)."""
        _, spans = self.passage_tokens([text])[0]
        return np.array([start for start, _ in spans], dtype=np.int64)

    @staticmethod
    def passage_room(question_ids: list[int], *, max_tokens: int = MAX_TOKENS) -> int:
        """How many passage tokens one window holds beside the question, cut as ``windows`` cuts it."""
        question = min(len(question_ids), _question_limit(max_tokens))
        return max(max_tokens - question - 4, MIN_PASSAGE_TOKENS)

    def windows(self, question_ids: list[int], passage: tuple[list[int], list[tuple[int, int]]], *, passage_index: int,
                max_tokens: int = MAX_TOKENS, stride: int = STRIDE) -> list[Window]:
        ids, spans = passage
        # A question too long for the window is cut, so every window keeps MIN_PASSAGE_TOKENS of
        # passage and no more than max_tokens; each window moves on by at least half its passage
        # part, so a stride as long as that part cannot make the windows stand still.
        question_ids = question_ids[: _question_limit(max_tokens)]
        room = self.passage_room(question_ids, max_tokens=max_tokens)
        step = room - min(stride, room // 2)
        head = [self.bos_id, *question_ids, self.eos_id, self.eos_id]
        result, start = [], 0
        while True:
            piece = slice(start, start + room)
            body = ids[piece]
            input_ids = np.array([*head, *body, self.eos_id], dtype=np.int64)
            offsets = np.full((len(input_ids), 2), -1, dtype=np.int64)
            if body:
                offsets[len(head):len(head) + len(body)] = np.array(spans[piece], dtype=np.int64)
            result.append(Window(input_ids, offsets, passage_index))
            if start + room >= len(ids):
                return result
            start += step


def _question_limit(max_tokens: int) -> int:
    """The most question tokens a window keeps: the rest of it holds ``MIN_PASSAGE_TOKENS`` of
    passage and the four special tokens."""
    return max(max_tokens - 4 - MIN_PASSAGE_TOKENS, 0)


def pad_batch(windows: list[Window], *, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Input ids and attention mask, padded to the longest window of the batch."""
    width = max(len(w.input_ids) for w in windows)
    ids = np.full((len(windows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, : len(window.input_ids)] = window.input_ids
        mask[row, : len(window.input_ids)] = 1
    return ids, mask
