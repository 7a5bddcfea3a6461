"""Chairing said in other words, read as the articles write it: "Ai điều hành hội nghị tổng
kết?" is "Ai chủ trì hội nghị tổng kết?".

News writes that someone "chủ trì" a meeting; people also ask who "điều hành", "chủ tọa",
"dẫn dắt" or "điều khiển" it. Asked "Ai điều hành hội nghị tổng kết năm 2022?", the sample
answered "Cục Truyền thông Công an nhân dân": neither search nor the reader knew the words
meant the chair, and no role was looked for. Only before an event do they mean chairing
("điều hành công ty" is running a company), so search, the reader and the role a question asks
about (qa/answer/question.py) all take "chủ trì" there. Typed without diacritics, the words
are matched folded and "chu tri" put in, as the rest of the question is searched. English
("Who ran the conference?") is read through qa/answer/english_terms.py.
"""

from __future__ import annotations

import re

from qa.ingest.text import fold_accents, has_diacritics

_CHAIRING = ("làm chủ tọa", "chủ tọa", "điều hành", "dẫn dắt", "điều khiển")
_EVENTS = ("hội nghị", "cuộc họp", "buổi họp", "phiên họp", "cuộc gặp", "buổi gặp", "gặp mặt", "hội thảo", "tọa đàm",
           "diễn đàn", "đại hội", "buổi lễ", "lễ", "phiên")
_CHAIRING_AN_EVENT = re.compile(
    rf"(?<!\w)(?:{'|'.join(fold_accents(w) for w in _CHAIRING)})"
    rf"(?=\s+(?:cac\s+|nhung\s+)?(?:{'|'.join(fold_accents(e) for e in _EVENTS)})(?!\w))",
    re.IGNORECASE,
)


def with_chairing_as_written(question: str) -> str:
    """The question with each word for chairing an event put as "chủ trì" (bare when typed bare)."""
    chaired = "chủ trì" if has_diacritics(question) else "chu tri"
    for match in reversed(list(_CHAIRING_AN_EVENT.finditer(fold_accents(question)))):  # folding keeps offsets
        question = question[: match.start()] + chaired + question[match.end() :]
    return question
