""""Who heads X?" read as the title that heads X: "Ai đứng đầu Cục Truyền thông CAND?" is
"Ai là Cục trưởng Cục Truyền thông CAND?".

Articles seldom write that someone "heads" a body; they write the title ("Thiếu tướng Đỗ Triệu
Phong, Cục trưởng Cục Truyền thông CAND"), and which title heads a body follows from the kind
of body, as Vietnamese administration names it: a Cục has a Cục trưởng, a Sở a Giám đốc, an
Ủy ban nhân dân a Chủ tịch. Asked "Người đứng đầu Cục Truyền thông CAND là ai?", the sample
answered with the Deputy Minister who spoke beside the director: BM25 matched "đứng đầu" with
"đi đầu" and the passage naming the director ranked fourth, after the three the reader reads.
So retrieval and the reader both take the question with its head phrase ("người đứng đầu",
"đứng đầu", "lãnh đạo cao nhất", "the head of", "heads", "is in charge of") put as the title.
Where a kind of body has several head titles, the reader gets the one its passages write.
Typed without diacritics, the phrase and the body are matched folded and the title is put in
bare, as the rest of the question is searched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answer.question import Question
from qa.answer.role_paraphrases import with_chairing_as_written
from qa.ingest.text import fold_accents, has_diacritics

# Kinds of body, longer names first ("Tổng cục" before "Cục", "Bộ Tư lệnh" before "Bộ"), each
# with the titles of its head, the commonest first.
HEAD_TITLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tổng cục", ("Tổng cục trưởng",)),
    ("Cục", ("Cục trưởng",)),
    ("Bộ Tư lệnh", ("Tư lệnh",)),
    ("Bộ", ("Bộ trưởng",)),
    ("Vụ", ("Vụ trưởng",)),
    ("Viện kiểm sát", ("Viện trưởng",)),
    ("Viện", ("Viện trưởng",)),
    ("Sở", ("Giám đốc",)),
    ("Công an", ("Giám đốc",)),
    ("Bệnh viện", ("Giám đốc",)),
    ("Trung tâm", ("Giám đốc",)),
    ("Học viện", ("Giám đốc",)),
    ("Tổng công ty", ("Tổng giám đốc", "Chủ tịch")),
    ("Công ty", ("Giám đốc", "Tổng giám đốc")),
    ("Ngân hàng", ("Tổng giám đốc", "Chủ tịch")),
    ("Đại học", ("Giám đốc", "Hiệu trưởng")),
    ("Trường", ("Hiệu trưởng",)),
    ("Ban", ("Trưởng ban",)),
    ("Phòng", ("Trưởng phòng",)),
    ("Ủy ban", ("Chủ tịch",)),
    ("Uỷ ban", ("Chủ tịch",)),
    ("UBND", ("Chủ tịch",)),
    ("Hội đồng", ("Chủ tịch",)),
    ("HĐND", ("Chủ tịch",)),
    ("Quốc hội", ("Chủ tịch",)),
    ("Hiệp hội", ("Chủ tịch",)),
    ("Liên đoàn", ("Chủ tịch",)),
    ("Mặt trận", ("Chủ tịch",)),
    ("Hội", ("Chủ tịch",)),
    ("Tòa án", ("Chánh án",)),
    ("Toà án", ("Chánh án",)),
    ("Thanh tra", ("Chánh thanh tra", "Tổng thanh tra")),
    ("Văn phòng", ("Chánh văn phòng",)),
    ("Đại sứ quán", ("Đại sứ",)),
    ("Báo", ("Tổng biên tập",)),
    ("Tạp chí", ("Tổng biên tập",)),
    ("Đài", ("Tổng giám đốc", "Giám đốc")),
    ("Tỉnh ủy", ("Bí thư",)),
    ("Tỉnh uỷ", ("Bí thư",)),
    ("Thành ủy", ("Bí thư",)),
    ("Thành uỷ", ("Bí thư",)),
    ("Huyện ủy", ("Bí thư",)),
    ("Đảng ủy", ("Bí thư",)),
    ("Chính phủ", ("Thủ tướng",)),
    ("Đoàn", ("Trưởng đoàn",)),
    ("Quân khu", ("Tư lệnh",)),
)
# The English word for a kind of body, searched in the few words after the head phrase ("the
# CAND Communications Department"), with the titles its Vietnamese kinds have.
ENGLISH_BODIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"ministry", ("Bộ trưởng",)),
    (r"department", ("Cục trưởng", "Giám đốc", "Vụ trưởng")),
    (r"general department", ("Tổng cục trưởng",)),
    (r"hospital|cent(?:er|re)|academy", ("Giám đốc",)),
    (r"police", ("Giám đốc",)),
    (r"people's committee", ("Chủ tịch",)),
    (r"committee|board", ("Trưởng ban", "Chủ tịch")),
    (r"national assembly|association|federation|union|council", ("Chủ tịch",)),
    (r"university", ("Hiệu trưởng", "Giám đốc")),
    (r"school|college", ("Hiệu trưởng",)),
    (r"institute", ("Viện trưởng",)),
    (r"newspaper|magazine", ("Tổng biên tập",)),
    (r"court", ("Chánh án",)),
    (r"compan(?:y|ies)|corporation|bank|station|broadcaster", ("Tổng giám đốc", "Giám đốc", "Chủ tịch")),
    (r"delegation", ("Trưởng đoàn",)),
    (r"government", ("Thủ tướng",)),
    (r"party committee", ("Bí thư",)),
    (r"military region|command", ("Tư lệnh",)),
)

_BODIES = "|".join(re.escape(fold_accents(body)) for body, _ in HEAD_TITLES)
# The head as a noun ("người đứng đầu X", "lãnh đạo cao nhất (của) X": the title takes its
# place) or as a verb ("Ai đứng đầu X", "Ai lãnh đạo X": "là" and the title), matched folded;
# the body must follow. "Thủ trưởng" is left out: folded, it is "Thứ trưởng", a deputy.
_VIETNAMESE_HEAD = re.compile(
    rf"(?:(?P<noun>\bnguoi\s+dung\s+dau|\blanh\s+dao\s+cao\s+nhat)|\bdung\s+dau|(?<=\bai\s)lanh\s+dao)"
    rf"(?:\s+cua)?\s+(?=(?P<body>{_BODIES})\b)",
    re.IGNORECASE,
)
_ENGLISH_HEAD = re.compile(
    r"\b(?:(?:is|was)\s+(?:the\s+)?(?:head|chief|leader|top official)\s+of|heads|headed|leads|led|runs|ran|"
    r"(?:is|was)\s+in\s+charge\s+of)\s+(?=(?P<body>(?:[\w'’-]+\s+){0,6}?(?:" + "|".join(p for p, _ in ENGLISH_BODIES) + r"))\b)",
    re.IGNORECASE,
)
_ENGLISH_BODIES = [(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), titles) for pattern, titles in ENGLISH_BODIES]


def with_head_titles(question: str, passages: Sequence[str], *, english: bool) -> str:
    """The question with its head phrase put as the title that heads the body it names, chosen
    among the body's head titles by the passages (the commonest before any passage is found);
    the question as it was when it has none."""
    return _english(question, passages) if english else _vietnamese(question, passages)


def as_searched(question: Question) -> str:
    """What retrieval looks for: the question with its head title ("đứng đầu" is also "đi đầu"
    to BM25, and the passage that names the head's title ranked fourth in the sample), and
    chairing as the articles write it (qa/answer/role_paraphrases.py)."""
    if question.language == "en":
        return with_head_titles(question.text, (), english=True)
    return with_head_titles(with_chairing_as_written(question.text), (), english=False)


def _vietnamese(question: str, passages: Sequence[str]) -> str:
    match = _VIETNAMESE_HEAD.search(fold_accents(question))
    if not match:
        return question
    titles = _head_titles(question[match.start("body") : match.end("body")])
    if titles is None:
        return question
    title = _written(titles, passages)
    said = f"{title} " if match.group("noun") else f"là {title} "
    if not has_diacritics(question):  # retrieval matches a bare question in folded form only
        said = fold_accents(said)
    return question[: match.start()] + said + question[match.end() :]


def _head_titles(body: str) -> tuple[str, ...] | None:
    """The head titles of a kind of body as the question writes it: folded when typed bare, as
    spelled otherwise ("Đại hội" is no "Đài", though both fold to "Dai")."""
    folded = fold_accents(body).lower()
    return next((titles for kind, titles in HEAD_TITLES
                 if fold_accents(kind).lower() == folded and (not has_diacritics(body) or kind.lower() == body.lower())), None)


def _english(question: str, passages: Sequence[str]) -> str:
    match = _ENGLISH_HEAD.search(question)
    if not match:
        return question
    body = match.group("body")
    found = min(((m.start(), -len(m.group()), titles) for pattern, titles in _ENGLISH_BODIES if (m := pattern.search(body))),
                default=None)
    if found is None:
        return question
    return f"{question[: match.start()]}is the {_written(found[2], passages)} of {question[match.end() :]}"


def _written(titles: tuple[str, ...], passages: Sequence[str]) -> str:
    """The first of the titles that a passage writes as a title of its own ("Giám đốc", not the
    end of "Tổng giám đốc" or "Phó giám đốc"), else the first."""
    folded = fold_accents(" ".join(passages)).lower()
    return next((t for t in titles if re.search(rf"(?<!tong )(?<!pho )\b{re.escape(fold_accents(t).lower())}\b", folded)),
                titles[0])
