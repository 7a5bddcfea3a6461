"""When- and where-questions written from news sentences that open with their date.

News writes the day first: "Chiều 30-3, tại Hà Nội, Phó Thủ tướng … chủ trì cuộc họp …". The
reader's training sets hold almost no such dates (Wikipedia writes "ngày 30 tháng 3 năm 2006"),
and it said "no answer here" to "Cuộc gặp mặt … diễn ra vào ngày nào?" over a passage opening
"Chiều 6.5, …". From each such sentence this writes

    "Phó Thủ tướng … chủ trì cuộc họp … vào ngày nào?"   -> "Chiều 30-3"
    "Cuộc họp … được tổ chức khi nào?"                     (when the clause organises an event)
    "Phó Thủ tướng … chủ trì cuộc họp … ở đâu?"          -> "Hà Nội" (when the place is written)

answered by the words copied from the sentence, and (``REMOVED_SHARE``) the same question over
the passage with that sentence taken out, which must get "no answer here". The day and month
are written as the paper wrote them, or (a third each) with a dot or a slash, as other papers do:
the separator is one character, so offsets do not move.

Passages, the held-out articles and the check are those of bench/role_questions.py:

    bench/event_questions.py --reader qa/weights/reader [--questions 400]

reports the reader alone on Dân trí (never trained on) and VNTC's held-out articles into
``bench/results/event_questions.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from role_questions import CHECK_QUESTIONS, REMOVED_SHARE, _capitalised, _passage, _rest, shuffled_articles  # noqa: E402

from qa.ingest.text import sentence_spans  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results" / "event_questions.json"

_DAY = r"\d{1,2}\s?[-/.]\s?\d{1,2}(?:[-/.]\d{4})?"
_PART = r"(?:Sáng|Chiều|Tối|Trưa|Đêm|Rạng sáng|Hôm)"
_WHEN = re.compile(
    rf"^(?P<when>{_PART}(?: ngày| nay| qua| hôm qua)?\s\(?{_DAY}\)?|{_PART} (?:nay|qua) \({_DAY}\)|Ngày {_DAY})"
    rf",\s+(?:tại (?P<place>[^,;()]{{3,60}}(?:\([^()]*\))?),\s+)?(?P<rest>\S[^;!?\n]{{10,400}})"
)
# Clauses that tell of the writer, a price or a quote, not an event someone held.
_NOT_EVENTS = re.compile(r"^(?:chúng tôi|tôi|PV|phóng viên|giá|theo|trao đổi|nguồn tin|một nguồn|ghi nhận)\b", re.I)
_EVENT_NOUN = r"(?:lễ|hội nghị|hội thảo|cuộc|buổi|đại hội|chương trình|ngày hội|lễ hội|hội chợ|giải|lớp|phiên|họp|kỳ họp|diễn đàn)"
_ORGANISED = re.compile(rf"\b(?:đã |vừa )?tổ chức\s+(?P<event>{_EVENT_NOUN}\b[^.;!?\n]{{3,300}})", re.I)
_HELD = re.compile(rf"^(?P<event>{_EVENT_NOUN}\b[^.;!?\n]{{3,200}}?)\s+(?:đã |vừa |chính thức )?(?:diễn ra|khai mạc|bế mạc|"
                   r"được tổ chức|khai giảng)\b", re.I)
# A count of things: "8 cơ quan báo chí", "1.200 học sinh"; not a year, a date, a time or a share.
_COUNT = re.compile(r"(?<![\w.,/:-])(?P<count>[1-9]\d{0,2}(?:\.\d{3})*)\s+(?P<unit>[a-zà-ỹđ]+)\b")
_NOT_UNITS = {"giờ", "phút", "giây", "ngày", "tháng", "năm", "tuần", "lần", "km", "kg", "m", "ha", "tấn", "triệu", "tỷ", "tỉ",
              "nghìn", "ngàn", "trăm", "đồng", "usd", "h", "tuổi"}
_NOT_AFTER = ("ngày", "tháng", "năm", "số", "thứ", "khóa", "khoá", "lần", "quận", "phường", "điều", "khoản", "tầng", "giải", "đội",
              "tổ", "hạng", "lớp", "khu", "ấp", "xóm", "phòng", "tập", "kỳ", "bảng", "câu", "chương", "mục", "trang", "đường", "lô")
_SPOKEN = re.compile(r"\btôi\b|\bchúng ta\b|[“\"]", re.I)
HOW_MANY_SHARE = 0.05
SHORTENED_SHARE = 0.5
WHEN_QUESTIONS = ("{rest} vào ngày nào?", "Khi nào {rest}?", "{Rest} khi nào?", "Ngày nào {rest}?",
                  "{Rest} vào thời gian nào?", "Vào ngày nào, {rest}?")
EVENT_WHEN_QUESTIONS = ("{Event} diễn ra vào ngày nào?", "{Event} được tổ chức khi nào?", "{Event} diễn ra khi nào?",
                        "Khi nào {event} diễn ra?", "{Event} được tổ chức vào ngày nào?", "{Event} diễn ra hôm nào?")
WHERE_QUESTIONS = ("{Rest} ở đâu?", "{Rest} tại đâu?", "Ở đâu, {rest}?")
EVENT_WHERE_QUESTIONS = ("{Event} diễn ra ở đâu?", "{Event} được tổ chức tại đâu?", "{Event} diễn ra tại địa điểm nào?")
SEPARATORS = "-/."
_DANGLING = {"của", "với", "và", "các", "cho", "về", "một", "số", "những", "tại", "ở", "đã", "vào", "sau", "trong", "từ",
             "đến", "là", "thì", "có", "được", "bị", "để", "nhằm", "do", "theo", "trên", "dưới", "này", "nước", "sự",
             "giữa", "cùng", "như"}


def _trimmed(words: list[str]) -> str:
    """``words`` ended before an unclosed bracket and without a dangling function word or dash."""
    opened = next((i for i, w in enumerate(words) if "(" in w and ")" not in " ".join(words[i:])), len(words))
    words = words[:opened]
    while words and (words[-1].lower().strip(",:") in _DANGLING or not words[-1].strip(",:-.–")):
        words.pop()
    return " ".join(words).rstrip(",:-.")


def _clause(text: str, rng: random.Random | None = None) -> str:
    """``_rest``'s cut, tidied; with ``rng``, often cut shorter still, as users ask ("Khi nào Cục
    Truyền thông CAND tổ chức cuộc gặp mặt?" of a sentence that goes on for twenty words)."""
    words = _rest(text).split()
    if rng is not None and len(words) > 5 and rng.random() < SHORTENED_SHARE:
        end = rng.randint(5, len(words) - 1)
        while end < len(words) and words[end][:1].isupper() and words[end - 1][:1].isupper():
            end += 1  # not inside a name: "Phó Thủ tướng Phạm Gia" would ask of someone else
        words = words[:end]
    return _trimmed(words)


def _written_as(text: str, span: tuple[int, int], rng: random.Random) -> str:
    """``text`` with the day-month separator of ``span`` drawn anew (same length)."""
    a, b = span
    separator = rng.choice(SEPARATORS)
    return text[:a] + re.sub(r"(?<=\d)\s?[-/.]\s?(?=\d)", lambda m: m.group().replace(m.group().strip(), separator), text[a:b]) + text[b:]


def _asked(match: re.Match, rng: random.Random) -> list[tuple[str, str, str]]:
    """(question, answer group, kind) for the sentence: one when-question, one where-question
    when the place is written; about the event when the clause names one it held or organised."""
    rest = _clause(match["rest"], rng)
    organised = _HELD.match(match["rest"]) or _ORGANISED.search(match["rest"])
    event = _clause(organised["event"], rng) if organised and rng.random() < 0.5 else None
    fill = {"rest": rest, "Rest": _capitalised(rest), "event": event and event[:1].lower() + event[1:],
            "Event": event and _capitalised(event)}
    asked = [(rng.choice(EVENT_WHEN_QUESTIONS if event else WHEN_QUESTIONS).format(**fill), "when", "when")]
    if match["place"]:
        asked.append((rng.choice(EVENT_WHERE_QUESTIONS if event else WHERE_QUESTIONS).format(**fill), "place", "where"))
    return asked


def _how_many(clause: str, rng: random.Random) -> tuple[str, re.Match] | None:
    """A how-many question about the clause's first count ("… giữa Bộ Công an và bao nhiêu cơ quan
    báo chí ngoài ngành?"), and the count's match in ``clause``; None when it has none early on."""
    for match in _COUNT.finditer(clause):
        before = clause[:match.start()].split()
        if len(before) > 14 or _SPOKEN.search(clause[:match.start()]) or match["unit"].lower() in _NOT_UNITS or (before and before[-1].lower() in _NOT_AFTER):
            continue
        words = (clause[:match.start()] + "bao nhiêu" + clause[match.end("count"):]).split()
        asked = _trimmed(words[:len(before) + 2 + rng.randint(1, 6)])
        return (_capitalised(asked) + "?", match) if len(asked.split()) >= 4 else None
    return None


def article_questions(article: dict, source: str, rng: random.Random) -> list[dict]:
    """Question rows (the line format of qa.jsonl.gz): when- and where-questions from one
    article's dated sentences, and (``HOW_MANY_SHARE`` of sentences) a how-many question."""
    text = article["text"]
    spans = sentence_spans(text)
    rows: list[dict] = []
    for at, (s, e) in enumerate(spans):
        match = _WHEN.match(text[s:e])
        dated = match and not _NOT_EVENTS.match(match["rest"]) and match["rest"][:1].isupper() and len(_clause(match["rest"]).split()) >= 4
        clause_at = s + match.start("rest") if dated else s
        counted = _how_many(text[clause_at:e], rng) if text[clause_at:clause_at + 1].isupper() and rng.random() < HOW_MANY_SHARE else None
        if not dated and not counted:
            continue
        first, last = _passage(text, spans, at, rng)
        context = text[first:last]
        asked = []
        if dated:
            context = _written_as(context, (s - first + match.start("when"), s - first + match.end("when")), rng)
            asked = [(question, s - first + match.start(group), len(match[group]), kind) for question, group, kind in _asked(match, rng)]
        if counted:
            question, count = counted
            asked.append((question, clause_at - first + count.start("count"), len(count["count"]), "how_many"))
        for n, (question, start, length, kind) in enumerate(asked):
            answer = context[start:start + length].strip()
            rows.append({"id": f"{source}-{article['id']}-{at}-{n}", "question": question, "answers": [answer],
                         "answer_starts": [start], "kind": kind, "evidence": text[s:e], "context": context,
                         "split": f"{source}-events", "context_id": article["id"], "title": article.get("title") or ""})
            removed = (context[:s - first] + context[e - first:]).strip()
            if rng.random() < REMOVED_SHARE and not re.search(rf"(?<![\w.,]){re.escape(answer)}(?![\w]|[.,]\d)", removed):
                rows.append({**rows[-1], "id": rows[-1]["id"] + "-removed", "answers": [], "answer_starts": [],
                             "context": removed, "split": f"{source}-events-removed", "is_impossible": True,
                             "plausible_answers": [answer]})
    return rows


def event_questions(path: Path, *, source: str, limit: int, seed: int, part: str) -> list[dict]:
    """Up to ``limit`` answerable questions, with their removed-sentence twins, from the articles
    of ``path`` in a seeded order; ``part`` as for ``role_questions``."""
    rng = random.Random(seed)
    chosen: list[dict] = []
    for article in shuffled_articles(path, part=part, rng=rng):
        chosen += article_questions(article, source, rng)
        if sum(1 for row in chosen if row["answers"]) >= limit:
            break
    return chosen


def still_said(row: dict, text: str) -> bool:
    """Whether ``text`` (the article less the question's sentence) writes the answer elsewhere: its
    day and month with any separator for a date, the number for a count, the words for a place.
    Such a question is neither clearly answered there nor clearly not, and is left out."""
    answer = row["answers"][0]
    day = re.search(r"\d{1,2}\s?[-/.]\s?\d{1,2}", answer) if row["kind"] == "when" else None
    key = r"\s?[-/.]\s?".join(re.findall(r"\d+", day.group())) if day else re.escape(answer)
    return re.search(rf"(?<![\w.,]){key}(?![\w]|[.,]\d)", text) is not None


def main() -> None:
    from role_questions import _check, check_forms, checked_reader
    from train_reader import SEED

    from qa.index.store import write_json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", type=Path, required=True, help="shipped weights or a training checkpoint folder")
    parser.add_argument("--questions", type=int, default=CHECK_QUESTIONS, help="answerable questions per source at most")
    args = parser.parse_args()
    net, tokenizer, stages = checked_reader(args.reader)
    rows = [*event_questions(DATA / "dantri-articles.jsonl.gz", source="dantri", limit=args.questions, seed=SEED, part="all"),
            *event_questions(DATA / "vntc-articles.jsonl.gz", source="vntc", limit=args.questions, seed=SEED, part="held-out")]
    report = {"sources": "Dân trí (all articles), VNTC (held-out articles)"}
    for kind in ("when", "where", "how_many"):
        asked = [row for row in rows if row["kind"] == kind]
        report[kind] = {name: _check(net, tokenizer, asked, shown) for name, shown in check_forms().items()}
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    write_json(RESULTS, {**results, f"reader after stage {stages}": report})
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
