"""The named bodies of an English question in the Vietnamese the articles print: "the Ministry of
Health" is "Bộ Y tế", "the CAND Communications Department" "Cục Truyền thông CAND".

An English question names a ministry or a department in English words that no article holds:
nothing in "Who heads the Communications Department?" points to the "Truyền thông" of "Cục
trưởng Cục Truyền thông CAND" rather than to a deputy director of another Cục, and nothing in
"Who is the Minister of Health?" asked of police articles showed that they never speak of
health (the sample named a police director). Vietnamese administration names its
bodies by a fixed set of fields ("Y tế", "Giáo dục và Đào tạo", "Công an"), the same for a
ministry (Bộ), its departments (Cục, Vụ, Tổng cục) and a province's (Sở), so the fields and the
kinds of body are listed here, and a body is put in Vietnamese order: kind, field, then the
name before it in English ("the Hanoi Department of Health" is "Sở Y tế Hanoi", whose "Hanoi"
the English terms then spell "Hà Nội"). A kind with several Vietnamese readings ("department":
Sở, Cục, Vụ) takes the one its passages write with that field, else the commonest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.ingest.text import fold_accents, is_vietnamese_syllable

# The fields of Vietnamese ministries and departments, longer names first ("information and
# communications" before "communications"); each pattern is matched as whole words, any case.
FIELDS: tuple[tuple[str, str], ...] = (
    (r"labou?r,? invalids,? and social affairs", "Lao động - Thương binh và Xã hội"),
    (r"culture,? sports?,? and tourism", "Văn hóa, Thể thao và Du lịch"),
    (r"agriculture and rural development", "Nông nghiệp và Phát triển nông thôn"),
    (r"natural resources and (?:the )?environment", "Tài nguyên và Môi trường"),
    (r"information and communications?", "Thông tin và Truyền thông"),
    (r"planning and investment", "Kế hoạch và Đầu tư"),
    (r"education and training", "Giáo dục và Đào tạo"),
    (r"science and technology", "Khoa học và Công nghệ"),
    (r"industry and trade", "Công Thương"),
    (r"foreign affairs", "Ngoại giao"),
    (r"home affairs|internal affairs", "Nội vụ"),
    (r"public security", "Công an"),
    (r"(?:national )?defen[cs]e", "Quốc phòng"),
    (r"transport(?:ation)?", "Giao thông vận tải"),
    (r"traffic police", "Cảnh sát giao thông"),
    (r"criminal police", "Cảnh sát hình sự"),
    (r"cyber ?security", "An ninh mạng"),
    (r"health", "Y tế"),
    (r"education", "Giáo dục"),
    (r"finance", "Tài chính"),
    (r"justice", "Tư pháp"),
    (r"construction", "Xây dựng"),
    (r"tourism", "Du lịch"),
    (r"communications?", "Truyền thông"),
    (r"taxation|tax", "Thuế"),
    (r"customs", "Hải quan"),
    (r"statistics", "Thống kê"),
    (r"immigration", "Quản lý xuất nhập cảnh"),
)
# Kinds of body with their Vietnamese readings, the commonest in news first.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"general department", ("Tổng cục",)),
    (r"sub-department", ("Chi cục",)),
    (r"ministry", ("Bộ",)),
    (r"department", ("Sở", "Cục", "Vụ")),
    (r"institute", ("Viện",)),
)
# A minister is named by the field of the ministry alone ("the Minister of Health").
_MINISTER = r"(?:deputy |vice )?minister"

_FIELD = "|".join(f"(?:{pattern})" for pattern, _ in FIELDS)
_KIND = "|".join(f"(?:{pattern})" for pattern, _ in KINDS)
# The name that may come before the body in English ("the Hanoi Department of Health", "the
# CAND Communications Department"): capitalised words, taken only when each is a Vietnamese
# syllable or an acronym (``_is_name``); Vietnamese writes it after the body.
_NAME = r"(?P<name>(?:[A-ZĐ][\w.]*\s+){1,4}?)??"
_BODY = re.compile(
    rf"{_NAME}(?i:(?P<kind_first>{_KIND}|{_MINISTER})\s+of\s+(?:the\s+)?(?P<field_after>{_FIELD})"
    rf"|(?P<field_first>{_FIELD})\s+(?P<kind_after>{_KIND}|{_MINISTER}))(?![\w-])"
)
_FIELDS = [(re.compile(rf"(?:{pattern})", re.IGNORECASE), vietnamese) for pattern, vietnamese in FIELDS]
_KINDS = [(re.compile(rf"(?:{pattern})", re.IGNORECASE), readings) for pattern, readings in KINDS]
_NOT_NAMES = frozenset("who whom whose what when where which why how the a an in on at of to for from by and or "
                       "did does do is are was were has have had".split())


def with_bodies_in_vietnamese(question: str, passages: Sequence[str]) -> str:
    """The question with each body it names in English put as the articles print it; a
    minister's office stays as typed before the ministry ("minister Bộ Y tế") for the English
    terms to put in Vietnamese."""
    return _bodies_replaced(question, lambda office, kinds, field: " ".join(
        [*office, f"{_written(kinds, field, passages)} {field}"]))


def with_fields_held(question: str, hold: Callable[[str], str]) -> str:
    """The question with the field of each body it names replaced by ``hold(field)``: the part
    of a body's name that an article must print to speak of it, whatever kind it reads as."""
    return _bodies_replaced(question, lambda office, kinds, field: " ".join([*office, hold(field)]))


def _bodies_replaced(question: str, said: Callable[[tuple[str, ...], tuple[str, ...], str], str]) -> str:
    def replaced(match: re.Match[str]) -> str:
        kind = match.group("kind_first") or match.group("kind_after")
        field = _vietnamese(match.group("field_after") or match.group("field_first"), _FIELDS)
        office = (kind,) if re.fullmatch(_MINISTER, kind, re.IGNORECASE) else ()
        kinds = ("Bộ",) if office else _vietnamese(kind, _KINDS)
        before, name = _name_at_end(match.group("name") or "")
        return before + " ".join([said(office, kinds, field), *name])

    return _BODY.sub(replaced, question)


def _vietnamese(english: str, table: list[tuple[re.Pattern[str], str | tuple[str, ...]]]):
    return next(vietnamese for pattern, vietnamese in table if pattern.fullmatch(english))


def _name_at_end(words: str) -> tuple[str, list[str]]:
    """The capitalised words before a body split into those that start the question ("Which",
    "The") and the name at their end ("Hanoi", "Quang Ninh", "CAND"), which follows the body."""
    split = words.split()
    start = len(split)
    while start and _is_name(split[start - 1]):
        start -= 1
    return "".join(f"{word} " for word in split[:start]), split[start:]


def _is_name(word: str) -> bool:
    return word.lower() not in _NOT_NAMES and (word.isupper() or word.lower() == "hanoi" or is_vietnamese_syllable(word))


def _written(kinds: tuple[str, ...], field: str, passages: Sequence[str]) -> str:
    """The kind that a passage writes before the field ("Cục Truyền thông"), else the first."""
    folded = fold_accents(" ".join(passages)).lower()
    return next((kind for kind in kinds if fold_accents(f"{kind} {field}").lower() in folded), kinds[0])
