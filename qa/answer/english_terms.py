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
"meeting" (cuộc họp, buổi gặp mặt, hội nghị) stay as typed for the reader, which learnt those
English words from its English training questions, and for the missing-term features, where a
wrong choice would count a word the article never needed; BM25 looks for all their readings at
once (``SEVERAL_READINGS``), as an article holds one of them. Verbs that name a role only in
some sentences ("address", "present") stay as typed. A department or ministry named by its
field ("the Department of Health") is a body that qa/answer/english_bodies.py puts as the
articles print it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence

from qa.answer.diacritics import passage_spellings, respelled
from qa.answer.english_bodies import with_fields_held
from qa.ingest.text import fold_accents, has_diacritics, is_vietnamese_syllable

# Longer phrases first: "deputy minister" before "minister", "review conference" before
# "conference". Each pattern is matched as whole words, ignoring case.
RANKS_AND_OFFICES: tuple[tuple[str, str], ...] = (
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
)
ROLE_VERB_TERMS: tuple[tuple[str, str], ...] = (  # verbs that name a role in any sentence
    # A role said in a phrase: taken whole, before "gave" alone reads as "trao" (presented).
    (r"(?:gave|give[ns]?|giving) (?:directions?|instructions?|guidance)", "chỉ đạo"),
    (r"(?:gave|give[ns]?|giving|delivered|deliver(?:s|ing)?|made|mak(?:es|ing)) (?:a |an |the |his |her |opening )?"
     r"(?:speech|remarks|address|keynote)", "phát biểu"),
    (r"presid(?:ed|es|e|ing) over", "chủ trì"),
    # ran / led / moderated an event is chairing it (the event may already be in Vietnamese)
    (r"(?:ran|runs?|running|led|leads?|leading|moderated|moderates?|moderating|conducted|conducts?|conducting)"
     r"(?= (?:the |a |an |this |that )?(?:[\w'’-]+ ){0,3}?(?:meetings?|conferences?|sessions?|seminars?|"
     r"ceremon(?:y|ies)|forums?|workshops?|congress|hội nghị|hội thảo|đại hội|lễ|cuộc họp|gặp mặt)(?![\w-]))", "chủ trì"),
    (r"chair(?:ed|s)?|presid(?:ed|es|e)", "chủ trì"),
    (r"attend(?:ed|s)?", "dự"),
    (r"spoke|speak(?:s)?", "phát biểu"),
    (r"sign(?:ed|s)?", "ký"),
    (r"launch(?:ed|es)?", "phát động"),
    (r"award(?:ed|s)?", "trao"),
)
ENGLISH_TERMS: tuple[tuple[str, str], ...] = (
    *RANKS_AND_OFFICES,
    # events
    (r"(?:year-end |annual )?review conference", "hội nghị tổng kết"),
    (r"conferences?", "hội nghị"),
    (r"seminars?|workshops?", "hội thảo"),
    (r"congress", "đại hội"),
    (r"ceremony", "lễ"),
    (r"festival", "lễ hội"),
    (r"anniversary", "kỷ niệm"),
    # institutions and people
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
    (r"emulation flags?", "cờ thi đua"),
    (r"emulation (?:movements?|campaigns?)", "phong trào thi đua"),
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
    *ROLE_VERB_TERMS,
    (r"arrest(?:ed|s)?", "bắt giữ"),
    (r"prosecuted|indicted", "khởi tố"),
    (r"fined", "xử phạt"),
    (r"injured", "bị thương"),
)


def _whole_words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


_TERMS = [(_whole_words(pattern), vietnamese) for pattern, vietnamese in ENGLISH_TERMS]
# "Quảng Ninh Province" is "tỉnh Quảng Ninh", "Bach Mai Hospital" "bệnh viện Bach Mai": the kind
# of place comes first in Vietnamese. Only a name of Vietnamese syllables is moved; "the Central
# Hospital" keeps its English word where it was.
_PLACE_KINDS = {"province": "tỉnh", "commune": "xã", "hospital": "bệnh viện", "company": "công ty"}
_NAMED_PLACE = re.compile(rf"\b((?:[A-ZĐ][\w]*\s){{1,3}})(?i:({'|'.join(_PLACE_KINDS)}))\b")


def _place_first(match: re.Match[str]) -> str | None:
    """The named place in Vietnamese order, or None when its name is not Vietnamese."""
    name = match.group(1).rstrip()
    if not all(is_vietnamese_syllable(word) for word in name.split()):
        return None
    return f"{_PLACE_KINDS[match.group(2).lower()]} {name}"


def in_vietnamese_terms(question: str) -> str:
    """The English question with the terms above in Vietnamese, for the reader."""
    return _terms_put(question, str)


def _terms_put(text: str, put: Callable[[str], str]) -> str:
    """The text with each named place and term above replaced by ``put`` of its Vietnamese."""
    text = _NAMED_PLACE.sub(lambda m: put(placed) if (placed := _place_first(m)) else m.group(), text)
    for pattern, vietnamese in _TERMS:
        text = pattern.sub(lambda _, vietnamese=vietnamese: put(vietnamese), text)
    return text


# Capitalised words that start or join an English question rather than name something.
_ENGLISH_CAPITALS = frozenset("who whom whose what when where which why how in on at of to for from by the a an and or "
                              "did does do is are was were has have had can according name list tell".split())
# Words English capitalises in the names of offices, ranks and institutions, which a Vietnamese
# article writes in Vietnamese ("Ministry of Public Security" is "Bộ Công an").
INSTITUTION_WORDS = frozenset("""
    director deputy vice chief head general secretary minister chairman chairwoman chairperson president
    premier governor mayor ambassador commander senior lieutenant colonel major captain officer mr mrs ms dr prof
    department ministry committee commission council board office agency bureau authority administration
    inspectorate procuracy court assembly government party union association federation front youth women
    people central national provincial municipal city district ward commune province state public security
    police army military force border guard navy communications information media press news television
    radio newspaper health education finance justice defence defense affairs foreign home internal trade
    industry transport agriculture rural culture sports tourism science technology construction planning
    investment natural resources environment labour labor invalids social ethnic economic development fund
    bank hospital university school institute center centre academy corporation company group steering
    conference congress program programme project plan campaign movement review year end annual team club
""".split())
_CALENDAR_WORDS = frozenset(name.lower() for name in [*calendar.month_name, *calendar.month_abbr, *calendar.day_name] if name)
_NOT_NAMES = _ENGLISH_CAPITALS | _CALENDAR_WORDS  # capitalised, yet never a name
_POSSESSIVE = re.compile(r"['’]s$")
_HELD = "\ue000"  # marks a term already put in Vietnamese while the rest of the question is read


def _as_printed(word: str) -> bool:
    """A name ("Quang Ninh", "CAND", "Vingroup"), a number ("2022", "12/3") or a Vietnamese word
    typed into the English ("Who chaired hội nghị?"): words an article would print as they are.

    English capitalises the words of its offices and institutions too ("the Director of the
    Communications Department"), and no Vietnamese article prints those: they are English
    (``INSTITUTION_WORDS``). Any other capitalised word is taken for a name, so that "the
    Nobel Prize" asked of police articles shows as missing. Month names are the question's
    time, which the article's date may say (``question_dates.numbers_dated``).
    """
    if has_diacritics(word) or any(c.isdigit() for c in word):
        return True
    lowered = word.lower()
    if not word[:1].isupper() or lowered in _NOT_NAMES:
        return False
    return lowered not in INSTITUTION_WORDS and lowered.removesuffix("s") not in INSTITUTION_WORDS


def _words_and_terms(question: str) -> list[tuple[str, str, str | None]]:
    """The question's words as typed, without punctuation or a possessive, each with its term in
    Vietnamese where the words were one (the fields of its named bodies, its named places and
    the terms above); a term stands for all its English words."""
    held: list[str] = []

    def hold(vietnamese: str) -> str:
        held.append(vietnamese)
        return f" {_HELD}{len(held) - 1} "

    text = _terms_put(with_fields_held(question, hold), hold)
    words = [(typed, _POSSESSIVE.sub("", typed.strip("?!.,;:()\"'"))) for typed in text.split()]
    return [(typed, word, held[int(word[1:])] if word.startswith(_HELD) else None) for typed, word in words]


def article_phrases(question: str) -> tuple[str, ...]:
    """The runs of an English question that an article could hold as typed: its terms in
    Vietnamese, its names and its numbers, in the order asked. The rest is English that no
    article holds, so only these can show that the articles never speak of what was asked
    ("the 2022 V.League"). Runs are kept apart so that no two words are asked as one phrase
    that the question never put side by side; and since English orders a place's kind, an
    event's owner and a role's verb otherwise than Vietnamese ("the Quang Ninh police
    conference" is "hội nghị công an tỉnh Quảng Ninh"), each term put in Vietnamese starts a
    run of its own, which a name after it joins ("thứ trưởng Le Quoc Hung")."""
    phrases, run = [], []
    for typed, word, term in _words_and_terms(question):
        kept = term or (word if _as_printed(word) else None)
        if run and (kept is None or term is not None):  # an English word ends a run; a term starts its own
            phrases.append(" ".join(run))
            run = []
        if kept:
            run.append(kept)
        if run and typed != word:  # and so does a comma
            phrases.append(" ".join(run))
            run = []
    return tuple(phrases + [" ".join(run)] * bool(run))


_NAME_RUN = re.compile(r"\b[A-Z][a-z]*(?:\s+[A-Z][a-z]*)*\b")


def with_names_spelled(question: str, passages: Sequence[str]) -> str:
    """An English question with the Vietnamese it typed bare spelled as the passages spell it
    ("Quang Ninh" -> "Quảng Ninh", "hoi nghi" -> "hội nghị"): the reader matches words by their
    subword tokens, and "Quang" shares none with "Quảng". Names are runs of capitalised words
    that could be Vietnamese syllables; other words are respelled only in runs of two or more
    that a passage holds, as English words alone fold into Vietnamese ones ("the" is "thể")."""

    spellings = passage_spellings(passages)

    def spelled(match: re.Match[str]) -> str:
        pieces, name = [], []
        for word in [*match.group().split(), ""]:
            if word and word.lower() not in _NOT_NAMES and is_vietnamese_syllable(word):
                name.append(word)
                continue
            if name:
                pieces.append(respelled(" ".join(name), spellings))
                name = []
            pieces.append(word)
        return " ".join(pieces).rstrip()

    return respelled(_NAME_RUN.sub(spelled, question), spellings, shortest=2)


# Words with several Vietnamese readings in news: BM25 may look for every reading at once (an
# article holds one of them), where the reader and the missing-term features may not.
OFFICES_OF_SEVERAL_READINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"deputy director", ("phó giám đốc", "phó cục trưởng")),
    (r"vice president", ("phó chủ tịch", "phó tổng thống")),
    (r"(?<!deputy )director|head of the department", ("giám đốc", "cục trưởng")),
    (r"(?<!vice )president", ("chủ tịch", "tổng thống")),
)
SEVERAL_READINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"meetings?", ("cuộc họp", "gặp mặt", "hội nghị")),
    *OFFICES_OF_SEVERAL_READINGS,
    (r"department", ("cục", "sở")),
    (r"held|hold|holds", ("tổ chức", "diễn ra")),
)
# Verbs that name a role only in some sentences: the reader reads them as typed, but a rules
# reader looking for the sentence of the role asked may look for their Vietnamese verb.
LOOSE_ROLE_VERBS: tuple[tuple[str, str], ...] = (
    (r"hosted", "chủ trì"),
    (r"direct(?:ed|s)?|instruct(?:ed|s)?|guid(?:ed|es|e)", "chỉ đạo"),
    (r"speech|address(?:ed)?", "phát biểu"),
    (r"present(?:ed|s)?|hand(?:ed)? (?:over|out)|gave", "trao"),
    (r"propos(?:ed|es|e)|suggest(?:ed|s)?|request(?:ed|s)?|call(?:ed)? (?:on|for)", "đề nghị"),
    (r"organi[sz](?:ed|es|e)|held", "tổ chức"),
)


_READINGS = [(_whole_words(pattern), readings) for pattern, readings in SEVERAL_READINGS]
_OFFICES = [(_whole_words(p), (v,)) for p, v in RANKS_AND_OFFICES] + [(_whole_words(p), v) for p, v in OFFICES_OF_SEVERAL_READINGS]
_ROLE_VERBS = [(_whole_words(p), (v,)) for p, v in (*ROLE_VERB_TERMS, *LOOSE_ROLE_VERBS)]


def _named(question: str, table: list[tuple[re.Pattern[str], tuple[str, ...]]]) -> tuple[str, ...]:
    """The readings of the table's phrases in the question, each phrase taken once and longer
    ones first, as ``in_vietnamese_terms`` takes them: "deputy minister" is not also a minister."""
    found: list[str] = []
    for pattern, readings in table:
        question, hits = pattern.subn(" ", question)
        found += readings * bool(hits)
    return tuple(dict.fromkeys(found))


def offices_named(question: str) -> tuple[str, ...]:
    """The Vietnamese titles of the offices and ranks an English question names ("Who is the
    deputy minister ..." -> "thứ trưởng"), every reading of one that has several."""
    return _named(question, _OFFICES)


def role_verbs_named(question: str) -> tuple[str, ...]:
    """The Vietnamese verbs of the roles an English question asks about ("Who chaired ..." -> "chủ trì")."""
    return _named(question, _ROLE_VERBS)


# English words that could be Vietnamese syllables typed bare: the 261 among the 5,000 commonest
# English words (wordfreq) that fold like one ("the" is "thể", "can" "cần", "long" "lòng").
_ENGLISH_SYLLABLES = frozenset("""
    ac ai aim am an ap at ban bang bat bay be beach beat been being ben bet bin bit boat boom boy
    but buy buying by bye ca can cap cat ceo chain chat cheap chip co coach coat com con cop cup cut
    da dan day de dean dec deep di die diet do doc doing don due dying each eat em en et eu eye gain
    gang gap gay gen get go going gop got gun guy gym ha hang hat he heat hey hi him hip hit ho hong
    hop hot ian ii iii im in it keep key khan kim king kit kong la lay le lee leo let li lie lion
    loan long loop lot lying ma mac main man map may me mean meat meet men met mi min mo mom moon
    much mum my na net no non not ny on op out pa pain pan pat pay paying pen pet pin pit poem pop
    pot put queen quiet quit rain ran ray re reach rep rich ring rio rip ron room root roy ruin run
    ryan sa sam san sat say saying se sea sean seat sec see seeing seem seen set sin sing sit so son
    song soon such sue suit sum sun tap tea teach team tech teen ten than that the them then they
    thin thing tho tie tim tip to tom ton too top touch toy train trap treat tree trip true try
    trying un up va van ve via ya ye yea yep yet yo you young
""".split())


def _bare_vietnamese(word: str) -> bool:  # a lowercase syllable typed without its marks
    return len(word) > 1 and word.islower() and not has_diacritics(word) and is_vietnamese_syllable(word)


def _searchable(question: str) -> list[str]:
    """The words of an English question that BM25 may look for: its terms in Vietnamese and its
    other words, less its common English ones that fold like Vietnamese syllables ("the", "can",
    "long") and its question words, unless they stand beside a bare syllable that is none, as
    Vietnamese typed bare comes in runs ("chu tich ban", but "in the")."""
    found = _words_and_terms(question)
    vietnamese = [term is None and _bare_vietnamese(w) and w not in _ENGLISH_SYLLABLES for _, w, term in found]
    beside = [any(vietnamese[j] for j in (i - 1, i + 1) if 0 <= j < len(found)) for i in range(len(found))]
    return [term or word for i, (_, word, term) in enumerate(found)
            if term or (word and not _common_english(word)) or (_bare_vietnamese(word) and beside[i])]


def _common_english(word: str) -> bool:
    """A question word or month ("Where", "May"), or a common English word typed lowercase that
    folds like a syllable; "Da" in "Da Nang" is a name."""
    return word.lower() in _NOT_NAMES or word in _ENGLISH_SYLLABLES


def lexical_query(question: str, *, english: bool) -> str:
    """What BM25 searches for: an English question's words (``_searchable``), its terms in
    Vietnamese and its named bodies by their field alone (which every kind a body may
    read as shares: "Department of Health" is "Sở Y tế" or "Cục Y tế"), with every reading of
    its words that have several, folded when it was typed without diacritics, so that its bare
    names ("Da Nang") still match in the folded field. Its common English words are left out:
    folded, they match Vietnamese syllables by chance ("the" is "thể", "long" "lòng")."""
    if not english:
        return question
    glossed = " ".join([*_searchable(question), *(" ".join(readings) for pattern, readings in _READINGS if pattern.search(question))])
    return glossed if has_diacritics(question) else fold_accents(glossed)
