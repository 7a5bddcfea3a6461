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

A time stands for a time: "Còn tháng 12?" or "What about December?" replaces the time the
previous question named ("Ai chủ trì cuộc họp tháng 5?" → "Ai chủ trì cuộc họp tháng 12?"),
so the rewritten question names the time the articles are then chosen by.

A rewrite is said in one language. When the follow-up and the previous question are in
different languages, only what can be said in the other one crosses over: the time, written
anew ("tháng 5" ↔ "in May"), the kind of event from a short list ("cuộc họp" ↔ "meeting") and
people's names. "Who attended?" after "Ai chủ trì cuộc họp tháng 5?" is "Who attended the
meeting in May?", never "Who attended cuộc họp tháng 5?"; when nothing crosses, the follow-up
is asked as typed. The sentence is the one that holds the question: the follow-up's own, or
for a contrast without a question of its own ("Còn hội nghị tháng 12 thì sao?") the previous
one, whose language it then keeps.

Anything else stands alone and is asked as typed. Patterns are written with diacritics and
matched accent-folded for a question typed without them, except the words that folding
makes ambiguous ("đó"/"do", "họ"/"ho").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.question import ROLE_VERBS, analyse
from qa.answer.question_dates import AskedTime, asked_times, matching_key, time_mentions
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
# Kinds of event in both languages, so that a follow-up in the other language can still say
# what the previous question was about. First match wins: "họp báo" before "cuộc họp".
_EVENTS = (("họp báo", "press conference"), ("hội nghị", "conference"), ("hội thảo", "workshop"),
           ("cuộc họp", "meeting"), ("buổi họp", "meeting"), ("gặp mặt", "meeting"), ("buổi lễ", "ceremony"))


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


def _search(pattern: str, text: str, *, marked_only: bool = False) -> re.Match[str] | None:
    """Search a pattern written with diacritics; folded when the text was typed without them."""
    if has_diacritics(text):
        lowered = text.lower()
        return re.search(pattern, lowered) if len(lowered) == len(text) else None
    if marked_only:
        return None
    return re.search(fold_accents(pattern), matching_key(text))


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
    return analyse(text).kind != "other" and matching_key(_body(text)) not in _GENERIC_TAILS


def _language(text: str) -> str:
    return analyse(text).language


# --- times and languages -------------------------------------------------------------------


def _only_time(phrase: str, *, said_in: str) -> AskedTime | None:
    """The time ``phrase`` names when it names nothing else ("năm 2023", "in December"), read
    where it was said: "May" alone may be a verb, in "What about May?" it is the month."""
    body = _body(said_in)
    start = body.rfind(phrase)
    mentions = [m for m in time_mentions(body) if start <= m.start and m.end <= start + len(phrase)]
    bounds = [start, *(edge for m in mentions for edge in (m.start, m.end)), start + len(phrase)]
    rest = "".join(body[a:b] for a, b in zip(bounds[::2], bounds[1::2], strict=True))
    return mentions[0].time if start >= 0 and mentions and not re.search(r"\w", rest) else None


def _opens_with_time(text: str) -> bool:
    mentions = time_mentions(text)
    return bool(mentions) and mentions[0].start == 0


def _with_time(body: str, time: AskedTime) -> str:
    """``body`` asking about ``time`` in place of its own time, in ``body``'s language."""
    language, diacritics = _language(body), has_diacritics(body)
    mentions = time_mentions(body)
    if not mentions:
        return f"{body} {time.phrase(language, diacritics=diacritics)}"
    old = mentions[0]
    phrase = time.instead_of(old.time).phrase(language, diacritics=diacritics, bare=old.is_bare(body))
    return body[: old.start] + phrase + body[old.end :]


def _event(text: str, language: str) -> str:
    """The kind of event ``text`` names, said in ``language`` ("cuộc họp" → "the meeting"); else ""."""
    key = matching_key(text)
    for vietnamese, english in _EVENTS:
        if re.search(rf"\b{fold_accents(english if language == 'vi' else vietnamese)}\b", key):
            return vietnamese if language == "vi" else f"the {english}"
    return ""


def _carried(text: str, language: str, *, diacritics: bool) -> str:
    """What of ``text`` can be said in the other ``language``: its event and its time
    ("cuộc họp tháng 5" → "the meeting in May"); "" when it names neither."""
    times = asked_times(text)
    time = times[0].phrase(language) if times else ""
    said = " ".join(filter(None, (_event(text, language), time)))
    return said if diacritics else fold_accents(said)


def _topic_for(question: str, previous: PreviousTurn) -> str:
    """The previous question's topic, in ``question``'s language."""
    language = _language(question)
    if _language(previous.question) == language:
        return _topic(previous.question)
    return _carried(previous.question, language, diacritics=has_diacritics(question))


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
    """The span of ``body`` that ``phrase`` should replace: the stretch starting at the phrase's
    head words (its first two)."""
    words = [w for w in _words(matching_key(phrase)) if w not in ("the", "a", "an")]
    if not words:
        return None
    head = re.search(r"\b" + r"\s+".join(map(re.escape, words[:2])) + r"\b", matching_key(body))
    return (head.start(), _boundary(body, head.end())) if head else None


def _topic(question: str) -> str:
    """The previous question's noun phrase, else the question without its question words."""
    body = _body(question)
    span = _noun_phrase(body)
    if span:
        return body[span[0] : span[1]]
    pieces, last = [], 0
    for match in re.finditer(fold_accents(_QUESTION_PHRASES), matching_key(body)):
        pieces.append(body[last : match.start()])
        last = match.end()
    return " ".join("".join([*pieces, body[last:]]).split())


# --- the rules -----------------------------------------------------------------------------


def _contrast_parts(question: str) -> tuple[str, str | None] | None:
    """(X, Y) of "Còn X thì Y?" / "What about X?"; Y is None when there is no "thì" clause."""
    body = _body(question)
    key = matching_key(body)
    if analyse(body).language == "en":
        match = re.search(_CONTRAST_EN, body, re.I)
        return (match.group("x") or match.group("x2"), None) if match else None
    if has_diacritics(body):
        match = re.search(_CONTRAST_VI, body.lower()) if len(body.lower()) == len(body) else None
    elif not key.startswith("con ") or " thi " in key or _opens_with_time(body[4:]):  # "con" may be a noun ("con đường")
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
    body = _body(previous.question)
    time = _only_time(x, said_in=question)
    if time is not None and (y is None or not _asks_something(y)):
        return Resolution(_sentence(_with_time(body, time)), "contrast")
    if y is None and _asks_something(x):  # "Vậy ai chủ trì?", "And who chaired it?": a question after a particle
        return _pronoun(x, previous) or _short(x, previous)
    if y is not None and _asks_something(y):
        leading = _search(_LEADING_QUESTION, y) is not None
        return Resolution(_sentence(f"{y} {_inline(x)}" if leading else f"{x} {y}"), "contrast")
    if _language(question) != _language(body):
        x = _carried(x, _language(body), diacritics=has_diacritics(body))
        if not x:
            return Resolution(question)  # "What about the budget?" after a Vietnamese question: as typed
    span = _head_span(body, x) or _noun_phrase(body)
    rewritten = body[: span[0]] + x + body[span[1] :] if span else f"{body} ({x})"
    return Resolution(_sentence(rewritten), "contrast")


def _person(previous: PreviousTurn) -> str | None:
    """The person a who-answer named, without the position after the comma
    ("Thiếu tướng Đỗ Triệu Phong, Cục trưởng …" → "Thiếu tướng Đỗ Triệu Phong")."""
    name = previous.answer.split(",")[0].strip()
    if previous.kind == "who" and name and len(_words(name)) <= _MAX_PERSON_WORDS:
        return name
    return None


def _with_context(question: str, previous: PreviousTurn) -> Resolution | None:
    topic = _topic_for(question, previous)
    return Resolution(_sentence(f"{_body(question)} ({topic})"), "pronoun") if topic else None


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
    start, end = (thing or it).span()
    if _language(question) != _language(previous.question):
        topic = _topic_for(question, previous)
        return Resolution(_sentence(question[:start] + topic + question[end:]), "pronoun") if topic else None
    body = _body(previous.question)
    span = _head_span(body, thing.group("head")) if thing else _noun_phrase(body)
    if span is None:
        return _with_context(question, previous)
    return Resolution(_sentence(question[:start] + body[span[0] : span[1]] + question[end:]), "pronoun")


def _short(question: str, previous: PreviousTurn) -> Resolution | None:
    """"Khi nào?" takes the place of the previous question word ("… diễn ra ở đâu?" → "… diễn ra
    khi nào?") or joins the previous topic; "Năm 2023?" swaps the previous time."""
    body = _body(question)
    words = _words(body)
    if not 0 < len(words) <= _SHORT_WORDS:
        return None
    if not _asks_something(body):  # "Năm 2023?", "Tháng 5 thì sao?", "In May?": "Còn" left out
        if not _opens_with_time(body):
            return None
        resolution = _contrast(f"{'Còn' if has_diacritics(body) else 'con'} {_lower_first(body)}", previous)
        return resolution if resolution is not None and resolution.rewritten else None
    if any(w[:1].isupper() for w in words[1:]) or any(w.isdigit() for w in words) or analyse(body).times:
        return None  # "Who is Hà?", "Ai chủ trì tháng 5?" name their own subject
    previous_body = _body(previous.question)
    closing = _search(_CLOSING_QUESTION, previous_body)
    if closing and not _search(_SUBJECT_QUESTION, body) and _language(body) == _language(previous_body) == "vi":
        return Resolution(_sentence(previous_body[: closing.start()] + _lower_first(body)), "short")
    topic = _topic_for(body, previous)
    if not topic:
        return None
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
