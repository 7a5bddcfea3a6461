"""Diacritics put back into a question typed without them, from the passages it is read against.

The span reader was trained on questions with diacritics; a folded question ("ai chu tri hoi
nghi") shares few subword tokens with the passage ("chủ trì Hội nghị") and is read far worse.
The passages retrieved for the question are the best dictionary of what its words were: each
run of the question's syllables that matches a run of a passage's syllables once both are
folded takes the passage's spelling, longest runs first; question words, which passages
rarely hold in the question's sense ("ai", "bao nhiêu"), come from a small table first.
Syllables found nowhere stay as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from qa.ingest.text import fold_accents, nfc

_WORD = re.compile(r"\w+")
LONGEST_RUN = 4
QUESTION_WORDS = {
    "bao nhieu": "bao nhiêu", "khi nao": "khi nào", "luc nao": "lúc nào", "bao gio": "bao giờ", "o dau": "ở đâu",
    "tai dau": "tại đâu", "noi nao": "nơi nào", "tai sao": "tại sao", "vi sao": "vì sao", "nhu the nao": "như thế nào",
    "the nao": "thế nào", "ra sao": "ra sao", "la gi": "là gì", "cai gi": "cái gì", "dieu gi": "điều gì",
    "nguoi nao": "người nào", "ngay nao": "ngày nào", "thang nao": "tháng nào", "nam nao": "năm nào",
    "nhung ai": "những ai", "buoi nao": "buổi nào", "may gio": "mấy giờ", "ai": "ai", "gi": "gì", "nao": "nào",
    "dau": "đâu", "may": "mấy", "la": "là", "vao": "vào",
}
# A question phrase of two or more words is spelled before any passage run: "hợp tác với báo"
# in a passage must not make "hop tac voi bao nhieu" read "với báo nhiều". Single question
# words wait for the longer passage runs ("may bay" is "máy bay" before "may" is "mấy").
_QUESTION_PHRASES = {key: spelling for key, spelling in QUESTION_WORDS.items() if " " in key}
_QUESTION_WORDS_ALONE = {key: spelling for key, spelling in QUESTION_WORDS.items() if " " not in key}


def _runs(words: Sequence[str], n: int):
    for i in range(len(words) - n + 1):
        yield i, " ".join(words[i:i + n])


def passage_spellings(passages: Sequence[str]) -> dict[str, str]:
    """Folded run of syllables -> its most frequent spelling in the passages (lower case)."""
    counts: dict[str, Counter] = {}
    for passage in passages:
        words = [w.lower() for w in _WORD.findall(nfc(passage))]
        folded = [fold_accents(w) for w in words]
        for n in range(1, LONGEST_RUN + 1):
            for i, key in _runs(folded, n):
                counts.setdefault(key, Counter())[" ".join(words[i:i + n])] += 1
    return {key: found.most_common(1)[0][0] for key, found in counts.items()}


def restore_diacritics(question: str, passages: Sequence[str]) -> str:
    """The question with the spellings the passages (or the question-word table) give its words."""
    return respelled(question, passage_spellings(passages))


def respelled(question: str, spellings: dict[str, str], *, shortest: int = 1) -> str:
    """The question with the spellings ``spellings`` (``passage_spellings``) or the
    question-word table give its runs of at least ``shortest`` words; one table serves every
    piece of a question read against the same passages."""
    matches = list(_WORD.finditer(question))
    folded = [fold_accents(m.group()).lower() for m in matches]
    spelled: list[str | None] = [None] * len(matches)
    runs = [n for n in range(LONGEST_RUN, 1, -1) if n >= shortest]
    passes = [(n, _QUESTION_PHRASES) for n in runs] + [(n, spellings) for n in runs]
    if shortest <= 1:
        passes += [(1, _QUESTION_WORDS_ALONE), (1, spellings)]
    for n, table in passes:  # question phrases, then passage runs, each longest first; single words last
        for i, key in _runs(folded, n):
            if key in table and _fits(spelled[i:i + n], table[key].split()):
                spelled[i:i + n] = table[key].split()
    pieces, last = [], 0
    for match, spelling in zip(matches, spelled, strict=True):
        word = match.group()
        pieces += [question[last:match.start()], _cased_like(word, spelling) if spelling else word]
        last = match.end()
    return "".join(pieces) + question[last:]


def _fits(spelled: list[str | None], spelling: list[str]) -> bool:
    """A run's spelling is taken where it spells some word still unspelled and agrees with the
    longer runs on the rest ("biên chế" after "tuyển dụng 8 biên" has spelled "bien")."""
    return any(s is None for s in spelled) and all(s is None or s == t for s, t in zip(spelled, spelling, strict=True))


def _cased_like(typed: str, spelling: str) -> str:
    if fold_accents(spelling).lower() != fold_accents(typed).lower():
        return typed  # the run was matched across a different split of words: keep what was typed
    if typed.isupper() and len(typed) > 1:
        return spelling.upper()
    return spelling[:1].upper() + spelling[1:] if typed[:1].isupper() else spelling
