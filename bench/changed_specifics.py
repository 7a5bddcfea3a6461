"""Questions made unanswerable by changing what they pin down: a number or a name.

"Ai chủ trì hội nghị tổng kết năm 2021?" asked of articles that only report the 2022 one, or
"Có bao nhiêu người nhiễm HIV ở xã Tân Phú?" of an article about xã Kim Thượng: the passages
match nearly every word, and the one word that decides the question is not there. These are the
unanswerable questions news readers actually ask, and neither the removed-article nor the
off-topic setting holds them: there, nothing matches well.

A question's number (the first whole number; a year moves by one to three years) or else its
last name (a run of capitalised words that does not open the question) is replaced by a value
its own article never writes (accents and case ignored); a question with neither is left out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

from qa.ingest.text import fold_accents

_WORD = re.compile(r"\w+(?:[./-]\w+)*")
_NUMBER = re.compile(r"(?<![\w./-])\d+(?![\w./-])")
_YEARS = range(1900, 2100)


def _capitalised(word: str) -> bool:
    return word[0].isupper() and not any(c.isdigit() for c in word)


def _whole(name: str) -> bool:
    """A run with a one-letter word is the start of a longer name ("Bộ Y tế"), not a name."""
    return all(len(word) > 1 for word in name.split())


def names(question: str) -> list[tuple[int, int]]:
    """Spans of the runs of capitalised words that only single spaces join, less the word that
    opens the question (capitalised as a sentence start, not as a name)."""
    found: list[list[int]] = []
    previous_end, joined = -2, False
    for position, match in enumerate(_WORD.finditer(question)):
        word = match.group()
        if not _capitalised(word) or position == 0:
            joined = False
            continue
        if joined and question[previous_end:match.start()] == " ":
            found[-1][1] = match.end()
        else:
            found.append([match.start(), match.end()])
        previous_end, joined = match.end(), True
    return [(start, end) for start, end in found if _whole(question[start:end])]


def name_pool(questions: Iterable[str]) -> list[str]:
    """Every name the questions write, each once, in order of first use."""
    return list(dict.fromkeys(q[s:e] for q in questions for s, e in names(q)))


def _writes(folded_article: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(fold_accents(value).lower())}(?!\w)", folded_article) is not None


def _other_number(value: str, folded_article: str, rng: random.Random) -> str | None:
    number = int(value)
    if number in _YEARS:
        others = [number + step for step in (1, 2, 3, -1, -2, -3)]
    elif number <= 12:  # a month, an hour, a small count: stays one
        others = [n for n in range(1, 13) if n != number]
    else:
        others = [number + step for step in (1, 2, 3, number, 10)]
    rng.shuffle(others)
    return next((str(n) for n in others if not _writes(folded_article, str(n))), None)


def change_a_specific(question: str, article: str, pool: Sequence[str], rng: random.Random) -> str | None:
    """The question with its number, or else its last name, replaced by one its article never
    writes; None when it has neither, or no replacement is free."""
    folded = fold_accents(article).lower()
    number = _NUMBER.search(question)
    if number:
        other = _other_number(number.group(), folded, rng)
        return None if other is None else question[:number.start()] + other + question[number.end():]
    spans = names(question)
    if not spans:
        return None
    start, end = spans[-1]
    words = len(question[start:end].split())
    fitting = [n for n in pool if len(n.split()) == words and not _writes(folded, n)] or \
              [n for n in pool if not _writes(folded, n)]
    return question[:start] + rng.choice(fitting) + question[end:] if fitting else None
