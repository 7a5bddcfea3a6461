"""Typed spans inside a sentence: people with rank and title, dates, places, counts, lists.

Every span is a pair of offsets into the sentence, so the answer is always copied from the
article, never rewritten. Dates also carry their resolved calendar value, computed against
the article's own date ("Chiều 6.5" in an article of May 2022 is 2022-05-06).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from qa.ingest.corpus import ArticleDate
from qa.answer.question import ROLE_VERBS

_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_LOWER = "a-zàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_CAP_WORD = rf"[{_UPPER}][{_LOWER}]*"

RANKS = (
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy", "Đại uý", "Thượng uý", "Trung uý", "Thiếu uý",
)
POSITIONS = (
    "Tổng Bí thư", "Chủ tịch nước", "Thủ tướng", "Phó Thủ tướng", "Bộ trưởng", "Thứ trưởng", "Cục trưởng",
    "Phó cục trưởng", "Phó Cục trưởng", "Giám đốc", "Phó giám đốc", "Phó Giám đốc", "Tổng giám đốc",
    "Chủ tịch", "Phó chủ tịch", "Phó Chủ tịch", "Bí thư", "Phó Bí thư", "Ủy viên", "Uỷ viên", "Trưởng ban",
    "Phó trưởng ban", "Trưởng phòng", "Viện trưởng", "Hiệu trưởng", "Chánh văn phòng", "Đại sứ", "Tổng biên tập",
    "Giáo sư", "Phó giáo sư", "Tiến sĩ", "Thạc sĩ", "Bác sĩ", "bác sĩ", "tiến sĩ", "PGS", "GS", "TS", "ThS", "BS",
    "Nhà báo", "nhà báo", "Đồng chí", "đồng chí", "ông", "bà", "Ông", "Bà",
)
_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Mai Phùng Đinh Trương Lương Tô Tạ Hà "
    "Lâm Đào Cao Đoàn Chu Kiều Thái Lưu Triệu Quách Khổng La Doãn Châu Giang Tăng Mạc Nghiêm Lại Trịnh Âu Tôn Thân "
    "Vương Từ Hứa Lục Kim Văn Ông Đàm Tống Khúc Quan Thạch Hầu Lã Mẫn Bạch Hàn Ninh Nông Lò Lường Viên Cù Yên"
).split()


def _alternation(words) -> str:
    lower_first = {w[0].lower() + w[1:] for w in words}
    return "|".join(re.escape(w) for w in sorted({*words, *lower_first}, key=len, reverse=True))


TITLE = rf"(?:{_alternation(RANKS)}|{_alternation(POSITIONS)})"
FULL_NAME = rf"(?:{'|'.join(_SURNAMES)})(?:\s{_CAP_WORD}){{1,3}}(?![\w])"
_SHORT_NAME = rf"{_CAP_WORD}(?:\s{_CAP_WORD}){{0,1}}(?![\w])"
_RANK_OR_HONORIFIC = rf"(?:{_alternation(RANKS)}|ông|bà|Ông|Bà)"
# A title and a full name; a rank or "ông"/"bà" and a short name ("ông Thắng"); or a bare
# full name. Places that begin like a surname ("Hà Nội") are not people.
_PERSON_RE = re.compile(
    rf"(?<!\w)(?:(?:{TITLE}\s+)*(?:{TITLE})\s+{FULL_NAME}|{_RANK_OR_HONORIFIC}\s+{_SHORT_NAME}|{FULL_NAME})"
)
NOT_PEOPLE = {"Hà Nội", "Hà Tĩnh", "Hà Nam", "Hà Giang", "Lâm Đồng", "Cao Bằng", "Thái Bình", "Thái Nguyên",
              "Hồ Chí Minh", "Phú Thọ", "Phú Yên", "Quan Hóa", "Kim Bôi", "Thạch Thất", "Tô Lịch", "Hà Đông"}
_APPOSITIVE_RE = re.compile(rf",\s+(?:{_alternation(POSITIONS[:25])})\s[^,;]*")
_MAX_PERSON_CHARS = 80

_DAY_PART = r"(?:[Ss]áng|[Tt]rưa|[Cc]hiều|[Tt]ối|[Đđ]êm|[Rr]ạng sáng|[Nn]gày|[Hh]ôm)"
_DAY_MONTH_RE = re.compile(
    rf"(?:(?:{_DAY_PART})(?:\s(?:ngày|hôm))?\s+)(\d{{1,2}})[./-](\d{{1,2}})(?:[./-](\d{{4}}))?\b"
    rf"|\b(\d{{1,2}})/(\d{{1,2}})/(\d{{4}})\b"
)
_MONTH_RE = re.compile(r"(?:[Hh]ồi\s+|[Vv]ào\s+)?[Tt]háng\s+(\d{1,2})(?:\s*(?:năm\s+|/)(\d{4})|\s+(năm ngoái|năm trước|năm nay|năm sau|năm tới))?")
_YEAR_RE = re.compile(r"[Nn]ăm\s+(\d{4})\b|[Nn]ăm (ngoái|nay)")
_PLACE_RE = re.compile(
    rf"\b(?:tại|ở|trên địa bàn)\s+((?:TP\.\s?|tỉnh |thành phố |huyện |quận )?"
    rf"(?!Hội\b|Cục\b|Bộ\b|Báo\b|Đài\b|Ban\b){_CAP_WORD}(?:\s{_CAP_WORD}){{0,4}})"
)
_NUMBER_RE = re.compile(r"(?<![\w./-])(\d+(?:[.,]\d+)*)(\s*%|(?:\s+[\wÀ-ỹ]+){0,2})")
# A count in words: "hai người", "ba tuần", "hàng trăm ca". "năm" (five, year) and "ba" (three,
# father) make this loose on purpose: it only tells a span that may hold a count from one that
# cannot ("bằng khen", "song cầu trùng").
_COUNT_WORD_RE = re.compile(
    r"(?<!\w)(?:một|mốt|hai|ba|bốn|tư|năm(?!\s*\d)|lăm|nhăm|sáu|bảy|bẩy|tám|chín|mười|mươi|chục|trăm|nghìn|ngàn|vạn|triệu|"
    r"tỷ|tỉ|nửa|rưỡi|vài|đôi|nhất|one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|dozen)(?!\w)",
    re.IGNORECASE,
)
_COUNT_DIGITS_RE = re.compile(r"(?<![\w/])\d+(?:[.,]\d+)*(?!\d|/\d)")  # "25/5/2022" is a date; "2-3 ngày" counts
_LIST_RE = re.compile(r"(?:gồm|bao gồm|như|là)\s*:\s*(.+?)[.…;]*$|:\s*(.+?)[.…;]*$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    resolved: str | None = None  # a calendar date for date spans, ISO text


def people(sentence: str) -> list[Span]:
    spans = []
    for match in _PERSON_RE.finditer(sentence):
        if match.group() in NOT_PEOPLE:
            continue
        end = match.end()
        for appositive in _APPOSITIVE_RE.finditer(sentence, end):
            if appositive.start() != end or appositive.end() - match.start() > _MAX_PERSON_CHARS:
                break
            end = _trim_at_verb(sentence, appositive.start(), appositive.end())
            if end < appositive.end():
                break
        spans.append(Span(match.start(), end, "person"))
    return spans


def positions(sentence: str) -> list[Span]:
    """The title that follows a named person: "Đại tá Phùng Đức Thắng, Phó cục trưởng Cục …"."""
    spans = []
    for match in _PERSON_RE.finditer(sentence):
        appositive = _APPOSITIVE_RE.match(sentence, match.end())
        if appositive and match.group() not in NOT_PEOPLE:
            start = appositive.start() + len(appositive.group()) - len(appositive.group().lstrip(", "))
            spans.append(Span(start, _trim_at_verb(sentence, start, appositive.end()), "position"))
    return spans


def _trim_at_verb(sentence: str, start: int, end: int) -> int:
    """An appositive ends where the role verb begins: "…, Cục trưởng Cục X chủ trì Hội nghị"."""
    piece = sentence[start:end]
    cut = min((m.start() for v in ROLE_VERBS for m in re.finditer(rf"\s{re.escape(v)}\b", piece)), default=len(piece))
    return start + len(piece[:cut].rstrip())


def _resolve_day(day: int, month: int, year: int | None, article_date: ArticleDate | None) -> str | None:
    if year is None:
        if article_date is None:
            return None
        year = article_date.year
        if article_date.month and month > article_date.month + 1:  # "28/12" written in January
            year -= 1
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _relative_year(word: str | None, article_date: ArticleDate | None) -> int | None:
    if article_date is None:
        return None
    offsets = {"năm ngoái": -1, "năm trước": -1, "ngoái": -1, "năm nay": 0, "nay": 0, "năm sau": 1, "năm tới": 1, None: 0}
    return article_date.year + offsets.get(word, 0)


def dates(sentence: str, article_date: ArticleDate | None) -> list[Span]:
    spans = []
    for match in _DAY_MONTH_RE.finditer(sentence):
        groups = match.groups()
        day, month, year = (groups[0], groups[1], groups[2]) if groups[0] else (groups[3], groups[4], groups[5])
        resolved = _resolve_day(int(day), int(month), int(year) if year else None, article_date)
        if resolved:
            spans.append(Span(match.start(), match.end(), "date", resolved))
    taken = [(s.start, s.end) for s in spans]
    for match in _MONTH_RE.finditer(sentence):
        if any(a <= match.start() < b for a, b in taken) or not 1 <= int(match.group(1)) <= 12:
            continue
        year = int(match.group(2)) if match.group(2) else _relative_year(match.group(3), article_date)
        resolved = f"{year:04d}-{int(match.group(1)):02d}" if year else None
        spans.append(Span(match.start(), match.end(), "date", resolved))
    taken = [(s.start, s.end) for s in spans]
    for match in _YEAR_RE.finditer(sentence):
        if any(a <= match.start() < b for a, b in taken):
            continue
        year = int(match.group(1)) if match.group(1) else _relative_year(match.group(2), article_date)
        spans.append(Span(match.start(), match.end(), "date", str(year) if year else None))
    return sorted(spans, key=lambda s: s.start)


def places(sentence: str) -> list[Span]:
    return [Span(m.start(1), m.end(1), "place") for m in _PLACE_RE.finditer(sentence)]


def counts(sentence: str, unit: str | None) -> list[Span]:
    """Numbers with their unit; when the question names the unit, only numbers of that unit."""
    spans = []
    for match in _NUMBER_RE.finditer(sentence):
        before = sentence[max(0, match.start() - 8) : match.start()].lower()
        if re.search(r"(năm|thứ|số|ngày|tháng)\s*$", before):
            continue  # a year, an ordinal, a document number or a date, not a count
        tail = match.group(2)
        if unit:
            if not tail.strip().lower().startswith(unit.split()[0]):
                continue
            end = match.start(2) + len(tail[: tail.lower().find(unit.split()[0]) + len(unit)].rstrip())
            spans.append(Span(match.start(), min(end, match.end()), "count"))
        else:
            end = match.end(1) + (len(tail) if tail.strip() == "%" else 0)
            spans.append(Span(match.start(), end, "count"))
    return spans


def enumeration(sentence: str) -> list[Span]:
    """The list after a colon ("… gồm: A, B, C và D."), when it names several things."""
    match = _LIST_RE.search(sentence)
    if not match:
        return []
    group = 1 if match.group(1) else 2
    start, end = match.start(group), match.end(group)
    if "," not in sentence[start:end] and " và " not in sentence[start:end]:
        return []
    return [Span(start, end, "list")]


def count_words(text: str) -> list[tuple[int, int]]:
    """Where a text writes a number, in digits or in words: a how-many answer holds one. A year
    or a date is not a count ("năm 2022", "ngày 6.5", "25/5/2022")."""
    digits = [m.span() for m in _COUNT_DIGITS_RE.finditer(text) if not _names_a_time(text, m.start(), m.end())]
    return sorted(digits + [m.span() for m in _COUNT_WORD_RE.finditer(text)])


def _names_a_time(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 6) : start].lower()
    return before.endswith(("ngày ", "tháng ")) or (before.endswith("năm ") and end - start == 4)
