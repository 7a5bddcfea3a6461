"""Vietnamese text handling: normalisation, matching keys and sentence boundaries.

Stored text stays as the article wrote it (after NFC and whitespace clean-up), so that
offsets and quotations are honest. Matching never compares raw strings: it compares
*keys* in which the two tone-mark conventions ("hòa"/"hoà") agree and, for questions typed
without diacritics, keys with every mark folded away.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

# Tone marks as combining characters (NFD); quality marks (circumflex, breve, horn) are
# part of the vowel and never move.
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aăâeêioôơuưy")
_QUALITY_VOWELS = set("ăâêôơư")
# Diphthongs whose tone sits on the second vowel in the convention we match on
# ("hoà", "khoẻ", "thuỷ"); the other convention writes "hòa", "khỏe", "thủy".
_SECOND_VOWEL_PAIRS = {"oa", "oe", "uy"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Control characters other than tab and line ends become spaces (a NUL or an escape code in
# stored text only breaks tools downstream); Unicode line and paragraph separators become \n.
_CONTROLS = {**dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)], " "),
             0x2028: "\n", 0x2029: "\n"}
_WORD_RE = re.compile(r"\w+")
# A corpus repeats the same spellings (syllables, numbers, names) over and over, and the
# per-syllable keys below are pure: each spelling is worked out once while it stays in use.
# This made tokenising passages for BM25 4-5x faster.
_SYLLABLE_CACHE_SIZE = 1 << 17


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_article_text(text: str) -> str:
    """The one normal form in which article text is stored and offsets are counted.

    NFC (decomposed input otherwise breaks tokenisers and models), no invisible characters,
    Unix line ends, no control characters, single spaces, paragraphs separated by at most one
    blank line.
    """
    text = nfc(text).translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    lines = [re.sub(r" {2,}", " ", line.strip()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def fold_accents(text: str) -> str:
    """Drop every diacritic and map đ to d, as people do when typing without marks."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def _vowel_span(word: str) -> tuple[int, int]:
    """Start and end of the vowel nucleus, treating the u of "qu" and the i of "gi" as consonants."""
    start = 0
    if word.startswith("qu") or (word.startswith("gi") and len(word) > 2 and word[2] in _VOWELS):
        start = 2
    while start < len(word) and word[start] not in _VOWELS:
        start += 1
    end = start
    while end < len(word) and word[end] in _VOWELS:
        end += 1
    if start == len(word) and word.startswith("gi"):  # "gì", "gìn": the i is the vowel
        return 1, 2
    return start, end


def _tone_position(word: str) -> int | None:
    start, end = _vowel_span(word)
    if start >= end:
        return None
    nucleus = word[start:end]
    for offset in range(len(nucleus) - 1, -1, -1):
        if nucleus[offset] in _QUALITY_VOWELS:
            return start + offset
    has_final = end < len(word)
    if has_final or len(nucleus) == 1:
        return end - 1 if has_final else start
    if len(nucleus) == 2:
        return start + 1 if nucleus in _SECOND_VOWEL_PAIRS else start
    return start + 1


@lru_cache(maxsize=_SYLLABLE_CACHE_SIZE)
def canonical_tone(word: str) -> str:
    """One lower-case spelling per syllable, whichever tone-mark convention was used."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [ch for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) != 1:
        return nfc(decomposed)
    bare = nfc("".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    position = _tone_position(bare)
    if position is None:
        return nfc(decomposed)
    return nfc(bare[: position + 1] + tones[0] + bare[position + 1 :])


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _WORD_RE.finditer(text):
        yield match.start(), match.end()


def match_tokens(text: str) -> list[str]:
    """Lower-case syllables in one tone-mark convention: the key for matching words."""
    return [canonical_tone(word) for word in _WORD_RE.findall(nfc(text))]


def folded_tokens(text: str) -> list[str]:
    """Syllables with every mark folded: the key for questions typed without diacritics."""
    return [_folded_syllable(word) for word in _WORD_RE.findall(nfc(text))]


@lru_cache(maxsize=_SYLLABLE_CACHE_SIZE)
def _folded_syllable(word: str) -> str:
    return fold_accents(word).lower()


def has_diacritics(text: str) -> bool:
    return fold_accents(text) != text


# One Vietnamese syllable, accents folded: onset, vowels, final consonant. "Ninh" and "Lâm" are
# one; "Province", "Director" and "Mr" are none.
_SYLLABLE_RE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")


def is_vietnamese_syllable(word: str) -> bool:
    """Whether a word could be one Vietnamese syllable, typed with or without diacritics: how
    a name from the articles ("Trần", "Quang Ninh") is told from an English word in an English
    question."""
    return bool(_SYLLABLE_RE.fullmatch(fold_accents(word).lower().replace("đ", "d")))


# --- sentences -------------------------------------------------------------------------

# Abbreviations after which a full stop does not end a sentence, even before a capital
# ("TP. Hồ Chí Minh", "PGS. TS. Nguyễn Văn A", "Th.S Lê").
_ABBREVIATIONS = {
    "tp", "tx", "tt", "q", "p", "h", "ths", "ts", "pgs", "gs", "bs", "bsck", "ks", "cn", "ls",
    "th", "ng", "mr", "mrs", "ms", "dr", "st", "no", "tr", "vs", "nxb", "đ", "ubnd", "hđnd",
}
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_STOPS = ".!?…"
# A stop (possibly repeated, possibly followed by closing quotes) and then whitespace.
_BOUNDARY_RE = re.compile(rf"[{_STOPS}]+[{re.escape(_CLOSERS)}]*(?=\s)")
# Older crawls drop the space after a full stop: "HIV/AIDS.Dự án". A capital followed by a
# lower-case letter after the stop tells a sentence start from "TP.HCM" or "T.Ư".
_GLUED_RE = re.compile(r"(?<=\w)[.!?]+(?=[A-ZĐÀ-ỸẠ-Ỹ][a-zà-ỹđ])")


_LOOK_BACK = 32  # longer than any abbreviation: a longer token ends no abbreviation either


def _token_before(text: str, stop: int) -> str:
    """The word (dots included) ending at ``stop``, at most ``_LOOK_BACK`` characters of it.

    Bounded so that a run of glued stops ("Ab.Ab.Ab…") costs linear time, not quadratic.
    """
    start, limit = stop, max(0, stop - _LOOK_BACK)
    while start > limit and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:stop]


def _is_abbreviation(text: str, stop: int) -> bool:
    """True when the full stop at ``stop`` closes an abbreviation or an initial."""
    if text[stop] != ".":
        return False
    token = _token_before(text, stop)
    last = token.rsplit(".", 1)[-1]
    if not last:
        return False
    return last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper())


def _starts_sentence(text: str, pos: int) -> bool:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos >= len(text) or text[pos] == "\n":
        return True
    ch = text[pos]
    if ch in _OPENERS or ch in "-–—•*":
        return True
    return ch.isupper() or ch.isdigit()


def _boundaries(text: str) -> list[int]:
    """Offsets just after each sentence-final stop inside a paragraph."""
    cuts = []
    for match in _BOUNDARY_RE.finditer(text):
        if match.group().rstrip(_CLOSERS) == "." and _is_abbreviation(text, match.start()):
            continue
        if _starts_sentence(text, match.end()):
            cuts.append(match.end())
    for match in _GLUED_RE.finditer(text):
        if not _is_abbreviation(text, match.start()):
            cuts.append(match.end())
    return sorted(set(cuts))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``, trimmed of surrounding whitespace.

    Paragraph breaks always end a sentence. Full stops inside numbers and dates ("1.000",
    "6.5", "28/12"), abbreviations ("TP.HCM", "T.Ư", "v.v.") and initials do not.
    """
    spans = []
    cuts = _boundaries(text)
    start = 0
    for end in [*cuts, len(text)]:
        for piece_start, piece_end in _split_lines(text, start, end):
            spans.append((piece_start, piece_end))
        start = end
    return spans


def _split_lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for match in re.finditer(r"[^\n]+", text[start:end]):
        piece = match.group()
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            yield start + match.start() + left, start + match.start() + right


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
