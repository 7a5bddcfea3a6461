"""Follow-up questions: rewrite a question that leans on the previous turn so it stands alone.

The rules are plain text rewrites, tried in order, and the page shows the result
("hiểu là: …") so a wrong guess is visible at once:

1. **Contrast** — "Còn X thì Y?", "Vậy X thì Y?", "What about X?", "And X?".
   When Y asks something of its own ("thì ai chủ trì?"), X and Y are the question:
   "Còn hội nghị tháng 12 thì ai chủ trì?" → "Ai chủ trì hội nghị tháng 12?".
   Otherwise ("Còn X?", "Còn X thì sao?") X takes the place of the matching noun phrase of
   the previous question, which keeps its question word:
   "Ai chủ trì hội nghị tổng kết năm 2022?" + "Còn năm 2023?" → "Ai chủ trì hội nghị tổng kết năm 2023?".
2. **Pronoun** — "ông ấy", "bà ấy", "người này", "he", "she", "they"… become the previous
   answer when that answer named a person (a who-question); "hội nghị đó" / "it" become the
   previous question's noun phrase. Without either, the previous question's topic is added.
3. **Short** — two or three words such as "Khi nào?", "Ở đâu?", "Ai chủ trì?": joined with
   the previous question's topic.

Anything else stands alone and is asked as typed. Patterns are written with diacritics and
matched accent-folded for a question typed without them, except the words that folding
makes ambiguous ("đó"/"do", "họ"/"ho").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.question import ROLE_VERBS, analyse
from qa.ingest.text import fold_accents, has_diacritics, nfc

_MAX_PERSON_WORDS = 8  # a longer "answer" is a sentence, not a name to put in a question
_SHORT_WORDS = 4  # syllables: "Những cơ quan nào?"

_PARTICLE_VI = r"(?:vậy còn|thế còn|còn|vậy thì|vậy|thế thì)"
_CONTRAST_VI = rf"^{_PARTICLE_VI}\s+(?P<x>.+?)(?:\s*,?\s+thì\s+(?P<y>.+?))?$"
_CONTRAST_EN = r"^(?:and\s+)?(?:what|how)\s+about\s+(?P<x>.+)$|^and\s+(?P<x2>.+)$"
_GENERIC_TAILS = {"sao", "the nao", "nhu the nao", "ra sao", "sao nua", "the nao nua"}

_PERSON_VI = (r"ông ấy|bà ấy|anh ấy|chị ấy|cô ấy|ông ta|bà ta|người này|người đó|người ấy|vị này|vị đó")
_PERSON_VI_MARKED_ONLY = r"\bhọ\b"  # folded "ho" is also a family name
_PERSON_EN = r"\b(?:he|she|him|her|they|them)\b"
_DEMONSTRATIVE_VI = r"\b(?P<head>\w+(?: \w+)?) (?:đó|này|ấy|kia)\b"  # diacritics only ("do", "nay")
_IT_EN = r"\bit\b"

# Question words that open a Vietnamese question ("Ai chủ trì X?"); the others close it ("X ở đâu?").
_LEADING_QUESTION = r"^(?:ai|người nào|vị nào|bao nhiêu|mấy|những|các|who|what|which|when|where|how)\b"
_SUBJECT_QUESTION = r"^(?:ai|người nào|vị nào|who)\b"  # asks for the subject: "Ai chủ trì?"
_STARTS_AS_QUESTION = rf"{_LEADING_QUESTION}|^(?:khi nào|bao giờ|lúc nào|ở đâu|tại đâu)\b"
_CLOSING_QUESTION = (r"(?:khi nào|bao giờ|lúc nào|ở đâu|tại đâu|là ai|là gì|bao nhiêu(?: \w+){0,5}|mấy(?: \w+){0,5}|"
                     r"những(?: \w+){0,5} nào|gì|nào)$")
_QUESTION_PHRASES = (r"\b(?:như thế nào|thế nào|người nào|khi nào|bao giờ|lúc nào|ở đâu|tại đâu|bao nhiêu|"
                     r"là ai|là gì|ai|gì|nào|mấy|những|who|what|which|when|where|how many|how|did|does|do|"
                     r"was|were|is|are)\b")
_ROLE = "|".join(re.escape(v) for v in sorted(ROLE_VERBS, key=len, reverse=True))
_BOUNDARY_VI = (rf"\s(?:diễn ra|được|đã|là|có|ở đâu|tại đâu|khi nào|bao giờ|vào lúc|vào ngày|bao nhiêu|mấy|gì|nào|"
                rf"hợp tác|mở rộng|tham dự|giữ|{_ROLE})\b")
_BOUNDARY_EN = r"\s(?:held|take place|took place|happen|happened|located|organi[sz]ed|say|said|do|did)\b"
_ASKER_VERB_VI = rf"^(?:ai|người nào|vị nào)\s+(?:đã\s+)?(?:{_ROLE})\s+"
_DATE_PHRASE = r"\b(?:năm|tháng|ngày|year|month)\s+\d+(?:/\d+)*"


@dataclass(frozen=True)
class PreviousTurn:
    """What a follow-up may lean on: the question as asked, its short answer and its type."""

    question: str
    answer: str = ""  # "" when the assistant abstained
    kind: str = "other"  # Answer.question_type: who, when, where, ...


@dataclass(frozen=True)
class Resolution:
    question: str  # what to ask
    rule: str | None = None  # "contrast", "pronoun", "short"; None when the question stands alone

    @property
    def rewritten(self) -> bool:
        return self.rule is not None


# --- matching ------------------------------------------------------------------------------


def _key(text: str) -> str:
    """Lower-cased and accent-folded, same length as ``text`` so spans map back onto it."""
    lowered = text.lower()
    folded = fold_accents(lowered)
    return folded if len(folded) == len(lowered) else lowered


def _search(pattern: str, text: str, *, marked_only: bool = False) -> re.Match[str] | None:
    """Search a pattern written with diacritics; folded when the text was typed without them."""
    if has_diacritics(text):
        lowered = text.lower()
        return re.search(pattern, lowered) if len(lowered) == len(text) else None
    if marked_only:
        return None
    return re.search(fold_accents(pattern), _key(text))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _body(text: str) -> str:
    return text.strip().rstrip(" ?.!").strip()


def _sentence(text: str) -> str:
    text = " ".join(_body(text).split()).strip(" ,;–-")
    return (text[:1].upper() + text[1:] + "?") if text else text


def _inline(phrase: str) -> str:
    """A phrase moved from the start of a sentence into its middle: "Cuộc gặp mặt" → "cuộc gặp mặt",
    but "Cục Truyền thông" and "Hà Nội" (the next word is capitalised too) keep their case."""
    words = phrase.split()
    if len(words) >= 2 and words[0][:1].isupper() and not words[1][:1].isupper():
        return phrase[:1].lower() + phrase[1:]
    return phrase


def _lower_first(text: str) -> str:
    """For question words and date words moved off the start ("Ở đâu" → "ở đâu"): never names."""
    return text[:1].lower() + text[1:]


def _asks_something(text: str) -> bool:
    return analyse(text).kind != "other" and _key(_body(text)) not in _GENERIC_TAILS


# --- noun phrases of the previous question -------------------------------------------------


def _boundary(text: str, start: int) -> int:
    pattern = _BOUNDARY_EN if analyse(text).language == "en" else _BOUNDARY_VI
    match = _search(pattern, text[start:])
    return start + match.start() if match else len(text)


def _noun_phrase(body: str) -> tuple[int, int] | None:
    """Where the previous question names its topic: object of "Ai chủ trì …", the subject, "the …"."""
    if analyse(body).language == "en":
        match = re.search(r"\b(?:the|a|an)\b", body, re.I)
        return (match.start(), _boundary(body, match.end())) if match else None
    asker = _search(_ASKER_VERB_VI, body)
    if asker:
        return asker.end(), _boundary(body, asker.end())
    if _search(_STARTS_AS_QUESTION, body):
        return None
    end = _boundary(body, 0)
    return (0, end) if 0 < end < len(body) else None


def _head_span(body: str, phrase: str) -> tuple[int, int] | None:
    """The span of ``body`` that ``phrase`` should replace: a date phrase of the same kind, or
    the stretch starting at the phrase's head words (its first two)."""
    date = re.match(fold_accents(_DATE_PHRASE), _key(phrase))
    if date:
        unit = date.group().split()[0]
        for match in re.finditer(fold_accents(_DATE_PHRASE), _key(body)):
            if match.group().split()[0] == unit:
                return match.span()
        return None
    words = [w for w in _words(_key(phrase)) if w not in ("the", "a", "an")]
    if not words:
        return None
    head = re.search(r"\b" + r"\s+".join(map(re.escape, words[:2])) + r"\b", _key(body))
    return (head.start(), _boundary(body, head.end())) if head else None


def _topic(question: str) -> str:
    """The previous question's noun phrase, else the question without its question words."""
    body = _body(question)
    span = _noun_phrase(body)
    if span:
        return body[span[0] : span[1]]
    pieces, last = [], 0
    for match in re.finditer(fold_accents(_QUESTION_PHRASES), _key(body)):
        pieces.append(body[last : match.start()])
        last = match.end()
    return " ".join("".join([*pieces, body[last:]]).split())


# --- the rules -----------------------------------------------------------------------------


def _contrast_parts(question: str) -> tuple[str, str | None] | None:
    """(X, Y) of "Còn X thì Y?" / "What about X?"; Y is None when there is no "thì" clause."""
    body = _body(question)
    key = _key(body)
    if analyse(body).language == "en":
        match = re.search(_CONTRAST_EN, body, re.I)
        return (match.group("x") or match.group("x2"), None) if match else None
    if has_diacritics(body):
        match = re.search(_CONTRAST_VI, body.lower()) if len(body.lower()) == len(body) else None
    elif not key.startswith("con ") or " thi " in key:  # unmarked "con" alone may be a noun ("con đường")
        match = re.search(fold_accents(_CONTRAST_VI), key)
    else:
        match = None
    if match is None:
        return None
    y = body[match.start("y") : match.end("y")] if match.group("y") else None
    return body[match.start("x") : match.end("x")], y


def _contrast(question: str, previous: PreviousTurn) -> Resolution | None:
    parts = _contrast_parts(question)
    if parts is None:
        return None
    x, y = parts
    if y is None and _asks_something(x):  # "Vậy ai chủ trì?", "And who chaired it?": a question after a particle
        return _pronoun(x, previous) or _short(x, previous)
    if y is not None and _asks_something(y):
        leading = _search(_LEADING_QUESTION, y) is not None
        return Resolution(_sentence(f"{y} {_inline(x)}" if leading else f"{x} {y}"), "contrast")
    body = _body(previous.question)
    is_date = re.match(fold_accents(_DATE_PHRASE), _key(x)) is not None
    span = _head_span(body, x) or (None if is_date else _noun_phrase(body))
    if span:
        rewritten = body[: span[0]] + x + body[span[1] :]
    else:
        rewritten = f"{body} {x}" if is_date else f"{body} ({x})"
    return Resolution(_sentence(rewritten), "contrast")


def _person(previous: PreviousTurn) -> str | None:
    """The person a who-answer named, without the position after the comma
    ("Thiếu tướng Đỗ Triệu Phong, Cục trưởng …" → "Thiếu tướng Đỗ Triệu Phong")."""
    name = previous.answer.split(",")[0].strip()
    if previous.kind == "who" and name and len(_words(name)) <= _MAX_PERSON_WORDS:
        return name
    return None


def _with_context(question: str, previous: PreviousTurn) -> Resolution:
    return Resolution(_sentence(f"{_body(question)} ({_topic(previous.question)})"), "pronoun")


def _pronoun(question: str, previous: PreviousTurn) -> Resolution | None:
    person = (_search(_PERSON_VI, question) or _search(_PERSON_VI_MARKED_ONLY, question, marked_only=True)
              or (_search(_PERSON_EN, question) if analyse(question).language == "en" else None))
    if person:
        name = _person(previous)
        if name is None:
            return _with_context(question, previous)
        return Resolution(_sentence(question[: person.start()] + name + question[person.end() :]), "pronoun")
    thing = _search(_DEMONSTRATIVE_VI, question, marked_only=True)
    it = _search(_IT_EN, question) if analyse(question).language == "en" else None
    if thing is None and it is None:
        return None
    body = _body(previous.question)
    span = _head_span(body, thing.group("head")) if thing else _noun_phrase(body)
    if span is None:
        return _with_context(question, previous)
    start, end = thing.span() if thing else it.span()
    return Resolution(_sentence(question[:start] + body[span[0] : span[1]] + question[end:]), "pronoun")


def _short(question: str, previous: PreviousTurn) -> Resolution | None:
    """"Khi nào?" takes the place of the previous question word ("… diễn ra ở đâu?" → "… diễn ra
    khi nào?") or joins the previous topic; "Năm 2023?" swaps the previous date."""
    body = _body(question)
    words = _words(body)
    if not 0 < len(words) <= _SHORT_WORDS:
        return None
    if not _asks_something(body):
        is_date = re.match(fold_accents(_DATE_PHRASE), _key(body))
        return _contrast(f"Còn {_lower_first(body)}", previous) if is_date else None
    if any(w[:1].isupper() for w in words[1:]) or any(w.isdigit() for w in words):
        return None  # "Who is Hà?" names its own subject
    previous_body = _body(previous.question)
    closing = _search(_CLOSING_QUESTION, previous_body)
    if closing and not _search(_SUBJECT_QUESTION, body) and analyse(body).language == "vi":
        return Resolution(_sentence(previous_body[: closing.start()] + _lower_first(body)), "short")
    topic = _topic(previous.question)
    if _search(_LEADING_QUESTION, body):
        return Resolution(_sentence(f"{body} {_inline(topic)}"), "short")
    return Resolution(_sentence(f"{topic} {_lower_first(body)}"), "short")


def resolve(question: str, previous: PreviousTurn | None) -> Resolution:
    """The question to ask, rewritten from the previous turn when it leans on it."""
    text = " ".join(nfc(question).split())
    if previous is None or not previous.question.strip() or not text:
        return Resolution(text)
    for rule in (_contrast, _pronoun, _short):
        resolution = rule(text, previous)
        if resolution is not None and resolution.question:
            return resolution
    return Resolution(text)
