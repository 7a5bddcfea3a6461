"""What a question asks: its language, its type, the role verb it turns on and the times it names.

Patterns are written once with diacritics; for a question typed without them the same
patterns are matched in folded form, so "ai chu tri" is a who-question like "ai chủ trì".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.english_terms import offices_named, role_verbs_named
from qa.answer.question_dates import AskedTime, asked_times
from qa.answer.role_paraphrases import with_chairing_as_written
from qa.ingest.text import fold_accents, folded_tokens, has_diacritics, match_tokens, nfc

# Order matters: "ngày bao nhiêu" is a when-question before it is a how-many one, and
# "những ai" a list of people before a single person. Each kind has its Vietnamese and its
# English words, and a question is matched by those of its language only: folded, "mấy"
# (how many) is the English "May" and "ai" (who) is "AI". "Số lượng" (number of) alone does not
# ask how many: of the 26 training questions it alone made how-many, 8 were answered with a
# number ("Quốc gia nào có số lượng sinh cao nhất?" asks which country).
# People named by their office or rank: "Thứ trưởng nào dự hội nghị?" asks who, as "Which
# Deputy Minister attended?" does (it was read as a what-question).
PEOPLE_BY_OFFICE = (
    "thứ trưởng", "bộ trưởng", "cục trưởng", "giám đốc", "chủ tịch", "tướng", "đại tá", "thượng tá", "trung tá",
    "thiếu tá", "lãnh đạo", "quan chức", "cán bộ", "bác sĩ", "đồng chí", "cầu thủ", "huấn luyện viên", "tổng biên tập",
    "đại sứ", "người phát ngôn",
)
_TYPE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("when", r"khi nào|bao giờ|lúc nào|hồi nào|hôm nào|buổi nào|mấy giờ|ngày nào|ngày bao nhiêu|ngày mấy|tháng nào|tháng mấy|tháng bao nhiêu|"
             r"năm nào|năm bao nhiêu|thời gian nào|thời điểm nào|vào thời gian|ngày tháng",
     r"\bwhen\b|what date|which date|what day|which day|what year|which year|what month|which month|what time"),
    ("list", r"những ai|những gì|những \w+(?: \w+){0,3} nào|các \w+(?: \w+){0,3} nào|gồm những|kể tên|liệt kê",
     r"\bwhich (?:\w+ ){0,2}(?!(?:was|is|has|does)\b)\w+(?:ies|s)\b|\blist\b|\bname the\b|what are the"),
    ("how_many", r"bao nhiêu|\bmấy\b", r"how many|how much|number of"),
    ("where", r"ở đâu|tại đâu|nơi nào|chỗ nào|địa điểm nào|\bđâu\b", r"\bwhere\b|(?:what|which) (?:place|venue|location|city|province|district|country)\b"),
    ("position", r"chức vụ|cương vị|chức danh|giữ chức", r"what (?:position|post|title)|which (?:position|post)"),
    ("who", rf"\bai\b|người nào|vị nào|ông nào|bà nào|\b(?:{'|'.join(PEOPLE_BY_OFFICE)}) nào\b", r"\bwho\b|\bwhom\b|\bwhose\b|"
            r"\bwhich (?:\w+ ){0,2}(?:person|man|woman|official|officer|leader|colonel|general|minister|director|"
            r"chairman|chairwoman|president|doctor|speaker)\b"),
    ("why", r"tại sao|vì sao|lý do|nguyên nhân", r"\bwhy\b"),
    ("how", r"như thế nào|thế nào|ra sao|bằng cách nào", r"\bhow\b"),
    ("what", r"\bgì\b|\bnào\b", r"\bwhat\b|\bwhich\b"),
)

# Verbs that name a role in an event (English ones are put in these by english_terms.py).
# Longer phrases first, so "dự và chỉ đạo" wins over "chỉ đạo".
ROLE_VERBS = (
    "dự và chỉ đạo", "chủ trì", "phát biểu", "chỉ đạo", "trao", "đề nghị", "cho biết", "tiếp thu", "quán triệt",
    "phát động", "ghi nhận", "lưu ý", "yêu cầu", "đánh giá", "tổ chức", "ký", "dự", "nói",
)
_ENGLISH_START = re.compile(
    r"^\W*(who|whom|whose|what|when|where|which|why|how|in which|on whose|according to|did|does|do|is|are|was|were|"
    r"name|list|tell me|and)\b"
)
_VIETNAMESE_QUESTION_WORD = re.compile(r"\b(ai|gì|gi|nào|nao|đâu|dau|bao nhiêu|bao nhieu)\b")
_ENGLISH_HINT = re.compile(r"\b(who|what|when|where|which|why|how|did|does|is|are|was|were|the|of)\b", re.I)


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "vi" or "en"
    diacritics: bool
    kind: str  # who, position, when, where, how_many, list, what, why, how, other
    role_verbs: tuple[str, ...]
    unit: str | None  # the noun counted in a how-many question ("cơ quan")
    titles: tuple[str, ...] = ()  # Vietnamese titles an English question names ("cục trưởng")
    times: tuple[AskedTime, ...] = ()  # "tháng 5", "năm 2022": articles of these dates answer first

    def keys(self, text: str) -> list[str]:
        """The words of a text as this question's words match them: in one tone-mark convention,
        or folded when the question was typed without diacritics."""
        return match_tokens(text) if self.diacritics else folded_tokens(text)


def _matchable(text: str, *, diacritics: bool) -> str:
    lowered = nfc(text).lower()
    return lowered if diacritics else fold_accents(lowered)


def _pattern(source: str, *, diacritics: bool) -> re.Pattern[str]:
    return re.compile(source if diacritics else fold_accents(source))


def _kind(lowered: str, *, diacritics: bool, english: bool) -> str:
    """The first kind in ``_TYPE_PATTERNS`` order whose words the question holds; in English the
    question word that comes first, since a clause after it can hold another ("What did the
    doctors do when they found …?" asks what, "How many … when …?" how many)."""
    found = []
    for order, (kind, vietnamese, in_english) in enumerate(_TYPE_PATTERNS):
        match = _pattern(in_english if english else vietnamese, diacritics=diacritics).search(lowered)
        if match:
            found.append((match.start() if english else 0, order, kind))
    return min(found)[2] if found else "other"


def _role_verbs(lowered: str, *, diacritics: bool, english: bool) -> tuple[str, ...]:
    found = []
    if english:
        found = list(role_verbs_named(lowered))
    else:
        remaining = with_chairing_as_written(lowered)
        for verb in ROLE_VERBS:
            key = verb if diacritics else fold_accents(verb)
            if re.search(rf"\b{re.escape(key)}\b", remaining):
                found.append(verb)
                remaining = re.sub(rf"\b{re.escape(key)}\b", " ", remaining)
    return tuple(dict.fromkeys(found))


def _unit(lowered: str, *, diacritics: bool) -> str | None:
    source = r"(?:bao nhiêu|mấy|how many)\s+(\w+(?:\s\w+)?)"
    match = _pattern(source, diacritics=diacritics).search(lowered)
    return match.group(1) if match else None


# "WHO" in capitals is the World Health Organization ("WHO đánh giá dịch Ebola như thế nào?"),
# unless the whole question is in capitals: read as "who", health questions were taken for
# English who-questions. It is read as the English words for it, which ask nothing.
_WHO_IN_CAPITALS = re.compile(r"\bWHO\b")


def analyse(question: str) -> Question:
    text = nfc(question).strip()
    diacritics = has_diacritics(text)
    lowered = _matchable(text if text.isupper() else _WHO_IN_CAPITALS.sub("the organisation", text), diacritics=diacritics)
    asks_in_vietnamese = bool(_VIETNAMESE_QUESTION_WORD.search(lowered))
    opening = _ENGLISH_START.match(lowered)
    # "Do" opens Vietnamese questions too ("Do đâu mà giun đũa kí sinh?": because of what).
    english = bool(opening and not (opening.group(1) == "do" and asks_in_vietnamese)) or (
        len(_ENGLISH_HINT.findall(lowered)) >= 2 and not asks_in_vietnamese
    )
    return Question(
        text=text,
        language="en" if english else "vi",
        diacritics=diacritics,
        kind=_kind(lowered, diacritics=diacritics, english=english),
        role_verbs=_role_verbs(lowered, diacritics=diacritics, english=english),
        unit=_unit(lowered, diacritics=diacritics),
        titles=offices_named(lowered) if english else (),
        times=asked_times(text),
    )
