"""The times a question names ("tháng 5", "năm 2022", "hôm 28/12", "in December 2022"), so
that articles of that time can answer first and a follow-up can carry the time along.

A number is a time only when something says so: "năm", "tháng", a day word ("ngày", "hôm",
"chiều" …) or an English month name or preposition. "8 cơ quan", "2022 người", "Kế hoạch số
118" and "12-NQ/TW" are counts and numbers. A time after "trước", "từ", "đến", "before",
"since" … bounds a range rather than naming when, and relative times ("năm ngoái") have no
date of the question's own to resolve against, so neither counts.

Patterns are written with diacritics and matched accent-folded for a question typed without
them, as in ``qa.answer.question``; a question with diacritics is matched as written, so
"Việt Nam 2022" is not "năm 2022".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from qa.ingest.corpus import ArticleDate
from qa.ingest.text import fold_accents, has_diacritics, nfc

_FIRST_YEAR, _LAST_YEAR = 1900, 2100  # "năm 5000" is not a time a newsroom asks about

_START = r"(?<![\w./-])"
_END = r"(?![\w]|[./-]\w)"  # "28/12/2022/TT-BCA" and "12-NQ" are document numbers
_VI_DAY = r"(?:rạng sáng|sáng|trưa|chiều|tối|đêm|ngày|hôm|mùng|mồng)(?:\s+(?:ngày|hôm))?"
_VI_PATTERNS = (
    rf"{_START}{_VI_DAY}\s+(?P<day>\d{{1,2}})\s+tháng\s+(?P<month>\d{{1,2}})(?:\s+năm\s+(?P<year>\d{{4}}))?{_END}",
    rf"{_START}{_VI_DAY}\s+(?P<day>\d{{1,2}})[./-](?P<month>\d{{1,2}})(?:[./-](?P<year>\d{{4}}))?{_END}",
    rf"{_START}(?P<day>\d{{1,2}})/(?P<month>\d{{1,2}})/(?P<year>\d{{4}}){_END}",
    rf"{_START}tháng\s+(?P<month>\d{{1,2}})(?:\s*[/.-]\s*(?P<year>\d{{4}})|\s+năm\s+(?P<year2>\d{{4}}))?{_END}",
    rf"{_START}năm\s+(?P<year>\d{{4}}){_END}",
)
# Folding makes "sau" (after) "sáu" (six, "thứ Sáu ngày 6/5") and "từ" (from) "tư"
# ("thứ Tư"): without diacritics only the unambiguous range words count.
_VI_RANGE_MARKED = r"\b(?:trước|sau|từ|đến|tới)\s+$"
_VI_RANGE_FOLDED = r"\b(?:truoc|den)\s+$"

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
# Words that are months only next to a day, a year or a preposition, or capitalised after the
# first word: "At the May meeting", not "Who may attend?" or "May I ask …".
_AMBIGUOUS_MONTHS = {"may", "march", "mar"}
_EN_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EN_LEAD = r"(?:(?P<lead>in|on|during|of)\s+)?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_EN_PATTERNS = (
    rf"\b{_EN_LEAD}(?:the\s+)?(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<name>{_EN_MONTH})\b\.?(?:,?\s+(?P<year>\d{{4}}))?{_END}",
    rf"\b{_EN_LEAD}(?P<name>{_EN_MONTH})\b\.?\s+(?P<day>\d{{1,2}}){_ORDINAL}(?:,?\s+(?P<year>\d{{4}}))?{_END}",
    rf"\b{_EN_LEAD}(?P<name>{_EN_MONTH})\b\.?(?:,?\s+(?P<year>\d{{4}}))?{_END}",
    rf"\b(?P<lead>in|during|of|for)\s+(?P<year>\d{{4}}){_END}",
    # "the 2022 conference", "the department's 2022 review": a year used as an adjective, before
    # a singular noun; "the 2022 people" is a count.
    rf"(?:(?<=\bthe )|(?<=\bits )|(?<=\btheir )|(?<=\bthis )|(?<='s )|(?<=’s ))(?P<year>\d{{4}})"
    rf"(?=\s+[a-z]+\b(?<!s))(?!\s+(?:people|men|women|children|staff|personnel|police)\b)",
)
_EN_RANGE = r"\b(?:before|after|since|until|till|by|from|through)\s+$"

_VI_MARKED = tuple(re.compile(source) for source in _VI_PATTERNS)
_VI_FOLDED = tuple(re.compile(fold_accents(source)) for source in _VI_PATTERNS)
_EN = tuple(re.compile(source) for source in _EN_PATTERNS)

# The words a time phrase may open with; a mention without one is used bare ("the May meeting").
_LEADING_WORD = re.compile(fold_accents(
    r"(?:in|on|during|of|for|năm|tháng|ngày|hôm|rạng|sáng|trưa|chiều|tối|đêm|mùng|mồng)\b"))


@dataclass(frozen=True)
class AskedTime:
    """A time a question names, as precise as it was named: a year, a month (of any year when
    none is named), or a day of a month."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    def matches(self, published: ArticleDate | None) -> bool:
        """Whether an article of this date can be the one asked about.

        A day is compared by its month: news of a day is published that day or soon after. An
        article dated only by its year matches any month of that year; an undated one matches
        nothing.
        """
        if published is None:
            return False
        if self.year is not None and published.year != self.year:
            return False
        return self.month is None or published.month is None or published.month == self.month

    def merged(self, other: AskedTime) -> AskedTime | None:
        """Both at once ("hôm 28/12 … năm 2022" is 2022-12-28), or None when they disagree."""
        fields = []
        for mine, theirs in ((self.year, other.year), (self.month, other.month), (self.day, other.day)):
            if mine is not None and theirs is not None and mine != theirs:
                return None
            fields.append(theirs if mine is None else mine)
        return AskedTime(*fields)

    def instead_of(self, earlier: AskedTime) -> AskedTime:
        """This time said in place of an earlier one, keeping what it does not name: "Còn năm
        2023?" after "tháng 12/2022" asks about December 2023, "Còn tháng 5?" after
        "ngày 28/12/2022" about May 2022."""
        year = earlier.year if self.year is None else self.year
        if self.month is None:
            return AskedTime(year, earlier.month, earlier.day)
        return AskedTime(year, self.month, self.day)

    def phrase(self, language: str, *, diacritics: bool = True, bare: bool = False) -> str:
        """The time in words of ``language`` ("tháng 5/2022", "ngày 28/12", "in May", "on 28
        December 2022"); ``bare`` leaves out the opening word where the sentence needs none
        ("the May 2022 meeting")."""
        text = _english(self, bare=bare) if language == "en" else _vietnamese(self, bare=bare)
        return text if diacritics else fold_accents(text)


@dataclass(frozen=True)
class TimeMention:
    """Where a question names a time: offsets into the question's text."""

    start: int
    end: int
    time: AskedTime

    def is_bare(self, question: str) -> bool:
        """Whether the mention opens without a word of its own ("May" in "the May meeting")."""
        return _LEADING_WORD.match(matching_key(question[self.start : self.end])) is None


def numbers_dated(times: tuple[AskedTime, ...], published: ArticleDate | None) -> frozenset[str]:
    """The numbers of the asked times that an article's date already says. A report of the May
    2022 meeting prints "Chiều 6.5" and never "5/2022": asked "tháng 5/2022", neither 5 nor
    2022 is missing from it, while "năm 2021" still is."""
    said: set[str] = set()
    for time in times:
        if not time.matches(published):
            continue
        for asked, printed in ((time.year, published.year), (time.month, published.month), (time.day, published.day)):
            if asked is not None and asked == printed:
                said.update({str(asked), f"{asked:02d}"})
    return frozenset(said)


def _vietnamese(time: AskedTime, *, bare: bool) -> str:
    if time.day is not None:
        numbers = f"{time.day}/{time.month}" + ("" if time.year is None else f"/{time.year}")
        return numbers if bare and time.year is not None else f"ngày {numbers}"
    if time.month is not None:
        return f"tháng {time.month}" + ("" if time.year is None else f"/{time.year}")
    return f"năm {time.year}"


def _english(time: AskedTime, *, bare: bool) -> str:
    year = "" if time.year is None else f" {time.year}"
    if time.day is not None:
        return ("" if bare else "on ") + f"{time.day} {calendar.month_name[time.month]}{year}"
    if time.month is not None:
        return ("" if bare else "in ") + f"{calendar.month_name[time.month]}{year}"
    return str(time.year) if bare else f"in {time.year}"


def _lowered(text: str) -> str:
    """Lower case character by character, so offsets stay offsets into ``text``."""
    return "".join(lower if len(lower := char.lower()) == 1 else char for char in text)


def matching_key(text: str) -> str:
    """Lower-cased and accent-folded character by character, so offsets found in it are offsets
    into ``text`` (a character whose folded form is longer is kept as it is)."""
    return "".join(folded if len(folded := fold_accents(char)) == 1 else char for char in _lowered(text))


def _time(match: re.Match[str]) -> AskedTime | None:
    """The time a pattern found, or None when its numbers are no calendar date."""
    groups = {name: value for name, value in match.groupdict().items() if value}
    month = _MONTHS[groups["name"].rstrip(".")] if "name" in groups else int(groups.get("month", 0)) or None
    year = int(groups.get("year") or groups.get("year2") or 0) or None
    day = int(groups.get("day", 0)) or None
    if year is not None and not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:  # 2000 has a 29 February
        return None
    return AskedTime(year, month, day)


def _is_month(question: str, match: re.Match[str]) -> bool:
    """False for "may" the verb and "march" the walk (see ``_AMBIGUOUS_MONTHS``)."""
    groups = match.groupdict()
    if groups.get("name") is None or groups["name"].rstrip(".") not in _AMBIGUOUS_MONTHS:
        return True
    if groups.get("day") or groups.get("year") or groups.get("lead"):
        return True
    start = match.start("name")
    return question[start].isupper() and bool(question[:start].strip())


def _found(question: str) -> list[re.Match[str]]:
    """Every pattern's matches, ranges and non-months left out; they may overlap."""
    marked = has_diacritics(question)
    source = _lowered(question) if marked else matching_key(question)
    key = matching_key(question)
    found = []
    for pattern in _VI_MARKED if marked else _VI_FOLDED:
        found += [m for m in pattern.finditer(source)
                  if not re.search(_VI_RANGE_MARKED if marked else _VI_RANGE_FOLDED, source[: m.start()])]
    for pattern in _EN:
        found += [m for m in pattern.finditer(key) if _is_month(question, m) and not re.search(_EN_RANGE, key[: m.start()])]
    return found


def time_mentions(question: str) -> list[TimeMention]:
    """Every time the question names, in order, the longest reading of each stretch;
    ``question`` is expected in NFC."""
    mentions: list[TimeMention] = []
    for match in sorted(_found(question), key=lambda m: (m.start(), -(m.end() - m.start()))):
        time = _time(match)
        if time is not None and all(m.end <= match.start() or match.end() <= m.start for m in mentions):
            mentions.append(TimeMention(match.start(), match.end(), time))
    return mentions


def asked_times(question: str) -> tuple[AskedTime, ...]:
    """The distinct times a question names; mentions that fit together are one time ("hôm
    28/12" and "năm 2022" in one question are 2022-12-28)."""
    times: list[AskedTime] = []
    for mention in time_mentions(nfc(question)):
        for position, known in enumerate(times):
            merged = known.merged(mention.time)
            if merged is not None:
                times[position] = merged
                break
        else:
            times.append(mention.time)
    return tuple(times)
