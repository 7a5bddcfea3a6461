"""The names and numbers a question pins down, and which of them a text leaves out.

News questions are often general ("Bệnh nhân được chẩn đoán bị bệnh gì?") and many articles
answer their like; what makes one answer the question asked is its specifics: "Ai chủ trì hội
nghị của Bộ Công an tại Quảng Ninh năm 2022?" is not answered by an article that never names
Quảng Ninh or 2022, however closely the rest of it matches.

- A name is a run of capitalised words that only spaces separate, matched whole ("Quảng Ninh"
  is not in "Quảng Nam và Ninh Bình"). A run that opens a sentence loses its first word, which
  is capitalised as a sentence start ("Ông Nguyễn Văn An" is written "ông Nguyễn Văn An" or
  "Nguyễn Văn An"), so such a run is only ever checked in part, never wrongly found missing.
- A number is each group of digits on its own: dates are written in several ways ("28/12",
  "ngày 28 tháng 12"), so "28/12" asks for 28 and 12 anywhere in the text.
- English questions keep the numbers and, of each capitalised run, the stretch of Vietnamese
  syllables with at least one Vietnamese letter ("in Quảng Ninh Province" keeps "Quảng Ninh"):
  their other capitalised words are English, which the articles never hold.
"""

from __future__ import annotations

import re

from qa.answer.question import Question
from qa.answer.question_dates import numbers_dated
from qa.ingest.corpus import ArticleDate
from qa.ingest.text import has_diacritics, is_vietnamese_syllable

_WORD = re.compile(r"\w+(?:[./-]\w+)*")
_JOINS_A_NAME = re.compile(r" +")
_ENDS_A_SENTENCE = re.compile(r"[.?!:;]\s*$")

Specific = tuple[str, ...]  # the matching keys of a name's words, or of one number


def _has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _runs(text: str) -> list[tuple[bool, list[str]]]:
    """The text's words in runs of capitalised words without digits that only spaces join, each
    with whether it opens a sentence; every other word stands alone."""
    runs: list[tuple[bool, list[str]]] = []
    previous_end, previous_joinable = 0, False
    for match in _WORD.finditer(text):
        word = match.group()
        joinable = word[0].isupper() and not _has_digit(word)
        if joinable and previous_joinable and _JOINS_A_NAME.fullmatch(text[previous_end:match.start()]):
            runs[-1][1].append(word)
        else:
            runs.append((not runs or bool(_ENDS_A_SENTENCE.search(text[:match.start()])), [word]))
        previous_end, previous_joinable = match.end(), joinable
    return runs


def _vietnamese_stretch(words: list[str]) -> list[str]:
    """The longest stretch of words that are Vietnamese syllables, if one has a Vietnamese letter."""
    best: list[str] = []
    stretch: list[str] = []
    for word in [*words, ""]:
        if word and is_vietnamese_syllable(word):
            stretch.append(word)
            continue
        if len(stretch) > len(best) and any(has_diacritics(w) for w in stretch):
            best = stretch
        stretch = []
    return best


def question_specifics(question: Question) -> tuple[Specific, ...]:
    found: dict[Specific, None] = {}
    for opens_sentence, run in _runs(question.text):
        if _has_digit(run[0]):  # a word with digits always stands alone
            found.update(((token,), None) for token in question.keys(run[0]) if _has_digit(token))
            continue
        if not run[0][0].isupper():
            continue
        name = run[1:] if opens_sentence else run
        if question.language == "en":
            name = _vietnamese_stretch(name)
        if name:
            found[tuple(question.keys(" ".join(name)))] = None
    return tuple(found)


def _holds(tokens: list[str], present: set[str], wanted: Specific) -> bool:
    if len(wanted) == 1:
        return wanted[0] in present
    n = len(wanted)
    return any(tuple(tokens[i:i + n]) == wanted for i in range(len(tokens) - n + 1))


def missing_specifics(question: Question, specifics: tuple[Specific, ...], text: str, *,
                      published: ArticleDate | None = None) -> float:
    """The share of the specifics that the text, dated ``published``, does not hold (0 when the
    question has none)."""
    if not specifics:
        return 0.0
    tokens = question.keys(text)
    present = set(tokens) | numbers_dated(question.times, published)
    return sum(not _holds(tokens, present, s) for s in specifics) / len(specifics)
