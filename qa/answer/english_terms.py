"""English questions read in the Vietnamese words the articles use.

Users ask in English about Vietnamese articles. The names they type are the articles' own
(often without diacritics), but the roles, ranks, events and institutions are English words
that no article holds: BM25 finds nothing by them, and the reader, trained on Vietnamese
passages, matches "chủ trì" or "Thứ trưởng" in a sentence far more surely than "chaired" or
"Deputy Minister". So such words are put in Vietnamese before searching and reading
("Who chaired the review conference?" -> "Who chủ trì the hội nghị tổng kết?"). Topic words
("weather", "gold price") are listed too: they are what shows that the articles never speak
of what was asked.

Only words with one Vietnamese reading in news are listed. "Director" (giám đốc, cục
trưởng, viện trưởng), "department" (cục, sở), "president" (chủ tịch, tổng thống) and
"meeting" (cuộc họp, buổi gặp mặt, hội nghị) stay as typed: a wrong choice would send the
search after words the article does not use, while the reader learnt those English words from
its English training questions. Verbs that name a role only in some sentences ("address",
"present", "held") stay as typed too.
"""

from __future__ import annotations

import re

from qa.ingest.text import fold_accents, has_diacritics

# Longer phrases first: "deputy minister" before "minister", "review conference" before
# "conference". Each pattern is matched as whole words, ignoring case.
ENGLISH_TERMS: tuple[tuple[str, str], ...] = (
    # ranks and offices
    (r"senior lieutenant general", "thượng tướng"),
    (r"lieutenant general", "trung tướng"),
    (r"major general", "thiếu tướng"),
    (r"lieutenant colonel", "trung tá"),
    (r"colonel", "đại tá"),
    (r"deputy prime minister", "phó thủ tướng"),
    (r"prime minister", "thủ tướng"),
    (r"deputy minister|vice minister", "thứ trưởng"),
    (r"minister", "bộ trưởng"),
    (r"vice chair(?:man|woman|person)?", "phó chủ tịch"),
    (r"chair(?:man|woman|person)", "chủ tịch"),
    (r"general secretary|secretary general", "tổng bí thư"),
    (r"general director|chief executive|ceo", "tổng giám đốc"),
    (r"editor-in-chief|editor in chief", "tổng biên tập"),
    (r"ambassadors?", "đại sứ"),
    (r"spokes(?:person|man|woman)", "người phát ngôn"),
    # events
    (r"(?:year-end |annual )?review conference", "hội nghị tổng kết"),
    (r"conferences?", "hội nghị"),
    (r"seminars?|workshops?", "hội thảo"),
    (r"congress", "đại hội"),
    (r"ceremony", "lễ"),
    (r"festival", "lễ hội"),
    (r"anniversary", "kỷ niệm"),
    # institutions and people
    (r"ministry of public security", "bộ công an"),
    (r"people's committee", "ủy ban nhân dân"),
    (r"national assembly", "quốc hội"),
    (r"police", "công an"),
    (r"government", "chính phủ"),
    (r"ministry", "bộ"),
    (r"courts?", "tòa án"),
    (r"hospitals?", "bệnh viện"),
    (r"compan(?:y|ies)", "công ty"),
    (r"press agenc(?:y|ies)", "cơ quan báo chí"),
    (r"journalists?", "nhà báo"),
    (r"reporters?", "phóng viên"),
    (r"delegates", "đại biểu"),
    (r"delegation", "đoàn"),
    (r"certificates? of merit", "bằng khen"),
    (r"province", "tỉnh"),
    (r"commune", "xã"),
    (r"vietnam(?:ese)?", "Việt Nam"),
    (r"hanoi", "Hà Nội"),
    # what news is about: a question on a topic the articles never touch shows it only by these
    (r"weather", "thời tiết"),
    (r"football", "bóng đá"),
    (r"national team", "đội tuyển"),
    (r"(?:head )?coach", "huấn luyện viên"),
    (r"tournament", "giải đấu"),
    (r"gold prices?", "giá vàng"),
    (r"gold", "vàng"),
    (r"prices?", "giá"),
    (r"budget", "ngân sách"),
    (r"taxe?s?", "thuế"),
    (r"banks?", "ngân hàng"),
    (r"exports?", "xuất khẩu"),
    (r"imports?", "nhập khẩu"),
    (r"elections?", "bầu cử"),
    (r"films?|movies?", "phim"),
    (r"school year", "năm học"),
    (r"teachers?", "giáo viên"),
    (r"doctors?", "bác sĩ"),
    (r"patients?", "bệnh nhân"),
    (r"symptoms?", "triệu chứng"),
    (r"surgery", "phẫu thuật"),
    (r"cancer", "ung thư"),
    (r"epidemic", "dịch"),
    (r"traffic accidents?", "tai nạn giao thông"),
    (r"traffic", "giao thông"),
    (r"accidents?", "tai nạn"),
    (r"storms?", "bão"),
    (r"floods?", "lũ"),
    (r"farmers?", "nông dân"),
    # verbs that name a role in any sentence
    (r"chair(?:ed|s)?|presid(?:ed|es|e)", "chủ trì"),
    (r"attend(?:ed|s)?", "dự"),
    (r"spoke|speak(?:s)?", "phát biểu"),
    (r"sign(?:ed|s)?", "ký"),
    (r"launch(?:ed|es)?", "phát động"),
    (r"award(?:ed|s)?", "trao"),
    (r"arrest(?:ed|s)?", "bắt giữ"),
    (r"prosecuted|indicted", "khởi tố"),
    (r"fined", "xử phạt"),
    (r"injured", "bị thương"),
)
_TERMS = [(re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE), vietnamese) for pattern, vietnamese in ENGLISH_TERMS]
# "Quảng Ninh Province" is "tỉnh Quảng Ninh": the rank word comes first in Vietnamese.
_NAMED_PROVINCE = re.compile(r"\b((?:[A-ZĐ][\w']*\s){1,3})(?i:province)\b")


def in_vietnamese_terms(question: str) -> str:
    """The English question with the terms above in Vietnamese, for the reader."""
    text = _NAMED_PROVINCE.sub(lambda m: "tỉnh " + m.group(1).rstrip(), question)
    for pattern, vietnamese in _TERMS:
        text = pattern.sub(vietnamese, text)
    return text


# Capitalised words that start or join an English question rather than name something.
_ENGLISH_CAPITALS = frozenset("who whom whose what when where which why how in on at of to for from by the a an and or "
                              "did does do is are was were has have had according name list tell".split())
_HELD = "\ue000"  # marks a term already put in Vietnamese while the rest of the question is read


def _as_printed(word: str) -> bool:
    """A name ("Vingroup", "V.League"), a number ("2022", "12/3") or a Vietnamese word typed
    into the English ("Who chaired hội nghị?"): words an article would print as they are."""
    named = word[:1].isupper() and word.lower() not in _ENGLISH_CAPITALS
    return named or has_diacritics(word) or any(c.isdigit() for c in word)


def article_phrases(question: str) -> tuple[str, ...]:
    """The runs of an English question that an article could hold as typed: its terms in
    Vietnamese, its names and its numbers, in the order asked. The rest is English that no
    article holds, so only these can show that the articles never speak of what was asked
    ("the 2022 V.League"). Runs are kept apart so that no two words are asked as one phrase
    that the question never put side by side."""
    held: list[str] = []

    def hold(vietnamese: str) -> str:
        held.append(vietnamese)
        return f" {_HELD}{len(held) - 1} "

    text = _NAMED_PROVINCE.sub(lambda m: hold("tỉnh " + m.group(1).rstrip()), question)
    for pattern, vietnamese in _TERMS:
        text = pattern.sub(lambda _, vietnamese=vietnamese: hold(vietnamese), text)
    phrases, run = [], []
    for typed in text.split():
        word = typed.strip("?!.,;:()\"'")
        kept = held[int(word[1:])] if word.startswith(_HELD) else word if _as_printed(word) else None
        if kept:
            run.append(kept)
        if run and (kept is None or typed != word):  # an English word or a comma ends the run
            phrases.append(" ".join(run))
            run = []
    return tuple(phrases + [" ".join(run)] * bool(run))


def lexical_query(question: str, *, english: bool) -> str:
    """What BM25 searches for: an English question in Vietnamese terms, folded when it was typed
    without diacritics, so that its bare names ("Da Nang") still match in the folded field."""
    if not english:
        return question
    glossed = in_vietnamese_terms(question)
    return glossed if has_diacritics(question) else fold_accents(glossed)
