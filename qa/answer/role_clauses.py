"""Where a passage says who held the role a question asks about.

News writes the people of an event in one sentence, a clause each: "Thượng tướng Trần Quốc Tỏ,
Thứ trưởng Bộ Công an dự và chỉ đạo Hội nghị; Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục
Truyền thông CAND chủ trì Hội nghị." Asked "Ai dự và chỉ đạo Hội nghị?", the span reader
answered the chair at 0.92: both names sit beside the question's words. The answer to a
who-question about a role is named in a clause that says that role, so the reader's span is
kept to those clauses whenever the passage has one (qa/models/span_reader.py).

Only verbs that name a part someone plays at an event count: "cho biết", "đánh giá" or "tổ
chức" open many clauses that say nothing of a role. A verb is a whole word, and not the first
syllable of another word ("dự án" is a project, "trao đổi" an exchange).
"""

from __future__ import annotations

import re

from qa.answer.question import Question

EVENT_ROLES = ("dự và chỉ đạo", "chủ trì", "phát biểu", "chỉ đạo", "trao", "dự")
# Words that these verbs begin and that name no role: "dự án", "dự kiến", "trao đổi", ...
_NOT_A_ROLE = {
    "dự": ("án", "kiến", "báo", "thảo", "toán", "phòng", "định", "bị", "thi", "đoán", "tính", "trữ", "luật", "khuyết"),
    "trao": ("đổi",),
}
# A clause ends at a semicolon or a sentence end; a full stop inside a number ("6.5") does not.
_CLAUSE_END = re.compile(r"[.;!?](?=\s|$)|\n")


def asked_roles(question: Question) -> tuple[str, ...]:
    """The event roles a who-question asks about, as the articles write them. Typed bare, a
    one-syllable verb may be another word ("du" is "dự", "đủ" or "du"), so only longer ones count."""
    if question.kind != "who":
        return ()
    return tuple(verb for verb in question.role_verbs
                 if verb in EVENT_ROLES and (question.diacritics or question.language == "en" or " " in verb))


def _verb_pattern(verb: str) -> re.Pattern[str]:
    followers = "|".join(_NOT_A_ROLE.get(verb, ()))
    not_a_word = rf"(?!\s+(?:{followers})\b)" if followers else ""
    return re.compile(rf"(?<!\w){re.escape(verb)}(?!\w){not_a_word}", re.IGNORECASE)


def role_clauses(text: str, roles: tuple[str, ...]) -> list[tuple[int, int]]:
    """The (start, end) of each clause of ``text`` that says one of the roles; none when no
    clause does."""
    ends = [m.end() for m in _CLAUSE_END.finditer(text)]
    bounds = list(zip([0, *ends], [*ends, len(text)], strict=True))
    said = {m.start() for verb in roles for m in _verb_pattern(verb).finditer(text)}
    return [(a, b) for a, b in bounds if any(a <= at < b for at in said)]
