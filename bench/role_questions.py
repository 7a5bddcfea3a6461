"""Who-questions written from news sentences: training data for the reader, and a held-out check.

"Who chaired / said / signed …" and "who heads …" are what newsroom users ask most, yet the
training sets hold few of them, and the reader answered them worst (the chair of a conference
came back as the organising department). Such questions can be written from any sentence whose
subject is a named person followed by a role verb or a title:

    "Thiếu tướng Đỗ Triệu Phong, Cục trưởng Cục Truyền thông CAND chủ trì Hội nghị."
    -> "Hội nghị do ai chủ trì?", "Ai điều hành Hội nghị?", "Ai là Cục trưởng Cục Truyền thông CAND?"

all answered by the name, copied from the sentence. Question forms vary the word order and
paraphrase the verb ("điều hành", "chủ tọa" for "chủ trì"; "người đứng đầu" for a head's title)
so the reader learns the role, not the template. The same question over the passage with that
sentence removed (the name gone from it) must get "no answer here".

Training draws from VNTC (2005-2007 papers); the check from Dân trí (2020-2021), never trained on:

    bench/role_questions.py --reader qa/weights/reader [--questions 400]

reports the reader alone (each question given its passage) as written, code-switched into English,
in English word order (bench/english_forms.py) and typed without diacritics (put back from the
passage, as the product does; the English forms are read as they are, without the product's verb
step), into
``bench/results/role_questions.json``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.answer.spans import FULL_NAME, NOT_PEOPLE, POSITIONS, TITLE  # noqa: E402
from qa.ingest.text import sentence_spans  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results" / "role_questions.json"
PASSAGE_WORDS = 120
REST_WORDS = 14
REMOVED_SHARE = 0.3
VERB_SHARE_CAP = 0.3
CHECK_QUESTIONS = 400  # answerable questions per checking source at most
HELD_OUT_EVERY = 10

VERB_QUESTIONS = {
    "chủ trì": ("Ai chủ trì {rest}?", "{Rest} do ai chủ trì?", "Người chủ trì {rest} là ai?", "Ai điều hành {rest}?",
                "Ai là người chủ tọa {rest}?"),
    "phát biểu": ("Ai phát biểu {rest}?", "Ai đã phát biểu {rest}?", "Người phát biểu {rest} là ai?"),
    "cho biết": ("Ai cho biết {rest}?", "Ai nói {rest}?", "Theo ai, {rest}?"),
    "khẳng định": ("Ai khẳng định {rest}?", "Ai cho rằng {rest}?"),
    "nhấn mạnh": ("Ai nhấn mạnh {rest}?", "Ai đã lưu ý {rest}?"),
    "chỉ đạo": ("Ai chỉ đạo {rest}?", "Ai đã chỉ đạo {rest}?"),
    "ký": ("Ai ký {rest}?", "{Rest} do ai ký?", "Ai là người ký {rest}?"),
    "trao": ("Ai trao {rest}?", "{Rest} do ai trao?"),
}
ROLE_QUESTIONS = ("Ai là {role}?", "{Role} là ai?", "Ai đang giữ chức {role}?", "Ai giữ cương vị {role}?")
HEAD_TITLES = ("Giám đốc", "Chủ tịch", "Cục trưởng", "Bộ trưởng", "Viện trưởng", "Hiệu trưởng", "Tổng giám đốc",
               "Tổng biên tập")  # each followed by the body it heads: "Giám đốc Sở Y tế"
HEAD_QUESTIONS = ("Người đứng đầu {org} là ai?", "Ai đứng đầu {org}?", "Ai lãnh đạo {org}?")
_OFFICES = "|".join(re.escape(p) for p in sorted({*POSITIONS[:25], *HEAD_TITLES}, key=len, reverse=True))
_CLAIM = re.compile(
    rf"(?:(?P<title>{TITLE})\s+)?(?P<name>{FULL_NAME})"
    rf"(?:,\s+(?P<role>(?i:{_OFFICES})\s[^,;:()\"“”]{{3,60}}?),?)?"
    rf"\s+(?:đã\s+|vừa\s+)?(?P<verb>{'|'.join(VERB_QUESTIONS)})(?!\s(?:túc|hiệu|ức|giả|sự|kết|đổi)\b)(?:\s+thêm)?\s+(?P<rest>[^.;!?\n]{{6,300}})"
)
_HEAD = re.compile(rf"(?i:{'|'.join(map(re.escape, HEAD_TITLES))})\s+(?P<org>\S.*)")
_LEAD_IN = re.compile(r"^(?:(?:rằng|là)(?!\w)|:|,|\s)+")


def _rest(text: str) -> str:
    """The verb's object or claim, cut to a question's length (at a comma when one comes in time)."""
    words = _LEAD_IN.sub("", text).strip(" \"“”'").split()[:REST_WORDS]
    comma = next((i for i, w in enumerate(words) if i >= 4 and w.endswith(",")), len(words) - 1)
    return " ".join(words[:comma + 1]).rstrip(",:\"“”'")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _questions(match: re.Match, rng: random.Random) -> list[tuple[str, str]]:
    """One question from the verb and, when the sentence names the person's office, one from it;
    each with the phrase it asks about."""
    rest = _rest(match["rest"])
    form = rng.choice(VERB_QUESTIONS[match["verb"]])
    asked = [(form.format(rest=rest, Rest=_capitalised(rest)), rest)] if len(rest.split()) >= 2 else []
    if match["role"]:
        role = match["role"].strip()
        head = _HEAD.match(role)
        if head and rng.random() < 0.4:
            asked.append((rng.choice(HEAD_QUESTIONS).format(org=head["org"]), head["org"]))
        else:
            asked.append((rng.choice(ROLE_QUESTIONS).format(role=role, Role=_capitalised(role)), role))
    return asked


def _subject(text: str, sentence_start: int, match: re.Match) -> bool:
    """A person opens the clause: a title before the name, or a full name of three syllables
    opening the sentence or a comma's clause; not a place ("thôn Quan Nhân"), a country
    ("Cảnh sát Hàn Quốc"), a verb inside a word ("đăng ký") or "Ông Long" read as a surname."""
    name = match["name"]
    if name in NOT_PEOPLE or name.split()[0] in ("Ông", "Bà") or text[match.start("verb") - 5:match.start("verb")] == "đăng ":
        return False
    before = text[sentence_start:match.start()].rstrip()
    return match["title"] is not None or (len(name.split()) >= 3 and (not before or before.endswith(",")))


def _passage(text: str, spans: list[tuple[int, int]], at: int, rng: random.Random) -> tuple[int, int]:
    """About ``PASSAGE_WORDS`` words of whole sentences around sentence ``at``, like an indexed passage."""
    low = high = at
    words = len(text[spans[at][0]:spans[at][1]].split())
    while words < PASSAGE_WORDS and (low > 0 or high < len(spans) - 1):
        grow_back = low > 0 and (high == len(spans) - 1 or rng.random() < 0.5)
        low, high = (low - 1, high) if grow_back else (low, high + 1)
        edge = spans[low] if grow_back else spans[high]
        words += len(text[edge[0]:edge[1]].split())
    return spans[low][0], spans[high][1]


def article_questions(article: dict, source: str, rng: random.Random) -> list[dict]:
    """Question rows (the line format of qa.jsonl.gz) from one article's role sentences."""
    text = article["text"]
    spans = sentence_spans(text)
    rows = []
    for at, (s, e) in enumerate(spans):
        match = _CLAIM.search(text, s, e)
        if not match or not _subject(text, s, match):
            continue
        first, last = _passage(text, spans, at, rng)
        context = text[first:last]
        for n, (question, topic) in enumerate(_questions(match, rng)):
            row_id = f"{source}-{article['id']}-{at}-{n}"
            rows.append({"id": row_id, "question": question, "answers": [match["name"]], "verb": match["verb"],
                         "topic": topic, "evidence": text[s:e],
                         "answer_starts": [match.start("name") - first], "context": context,
                         "split": f"{source}-roles", "context_id": article["id"], "title": article.get("title") or ""})
            removed = (context[:s - first] + context[e - first:]).strip()
            surname = match["name"].split()[0]
            if rng.random() < REMOVED_SHARE and match["name"] not in removed and removed.count(surname) == 0:
                rows.append({**rows[-1], "id": row_id + "-removed", "answers": [], "answer_starts": [],
                             "context": removed, "split": f"{source}-roles-removed", "is_impossible": True,
                             "plausible_answers": [match["name"]]})  # no hard negative may name the person
    return rows


def held_out(article_id: str) -> bool:
    """One article in ``HELD_OUT_EVERY``, by a stable hash of its id, is only ever used for checking."""
    return int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % HELD_OUT_EVERY == 0


def shuffled_articles(path: Path, *, part: str, rng: random.Random) -> list[dict]:
    """The articles of ``path`` that ``part`` draws from ("training": not held out, "held-out",
    "all": a source never trained on), in ``rng``'s order."""
    keep = {"training": lambda a: not held_out(a), "held-out": held_out, "all": lambda a: True}[part]
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        articles = [a for a in map(json.loads, handle) if keep(str(a["id"]))]
    rng.shuffle(articles)
    return articles


def role_questions(path: Path, *, source: str, limit: int, seed: int, part: str) -> list[dict]:
    """Up to ``limit`` answerable questions (no verb above ``VERB_SHARE_CAP`` of them), with their
    removed-sentence twins, from the articles of ``path`` in a seeded order. ``part`` is "training"
    (articles not held out), "held-out" or "all" (a source never trained on)."""
    rng = random.Random(seed)
    articles = shuffled_articles(path, part=part, rng=rng)
    per_verb: dict[str, int] = {}
    chosen: list[dict] = []
    answerable = 0
    for article in articles:
        for row in article_questions(article, source, rng):
            if not row["answers"]:
                chosen += [row] if chosen and row["id"] == chosen[-1]["id"] + "-removed" else []
                continue
            if per_verb.get(row["verb"], 0) < VERB_SHARE_CAP * limit:
                per_verb[row["verb"]] = per_verb.get(row["verb"], 0) + 1
                answerable += 1
                chosen.append(row)
        if answerable >= limit:
            break
    return chosen


def _check(net, tokenizer, rows: list[dict], shown) -> dict[str, float]:
    """The reader alone, each question given its passage: answers right, and "no answer here"
    said over the passages whose sentence was removed."""
    from train_reader import read_alone

    from qa.eval.gold import contains_any
    from qa.eval.metrics import exact_match, token_f1

    read = [(row, *read_alone(net, tokenizer, shown(row["question"], row["context"]), row["context"])) for row in rows]
    answerable = [(row, text, margin) for row, text, margin in read if row["answers"]]
    removed = [margin for row, _, margin in read if not row["answers"]]
    mean = lambda values: round(100 * sum(values) / max(1, len(values)), 1)  # noqa: E731
    return {"answerable": len(answerable), "removed": len(removed),
            "exact_match": mean([exact_match(t, r["answers"]) for r, t, _ in answerable]),
            "f1": mean([token_f1(t, r["answers"]) for r, t, _ in answerable]),
            "contains": mean([contains_any(t, tuple(r["answers"])) for r, t, _ in answerable]),
            "no_answer_said_on_removed": mean([m < 0 for m in removed]),
            "no_answer_said_on_answerable": mean([m < 0 for _, _, m in answerable])}


def checked_reader(folder: Path):
    """The torch reader of ``folder`` (shipped weights or a checkpoint), its tokenizer, and how
    many training stages made it."""
    import torch

    from train_reader import warm_start

    from qa.models.e5_rebuild import ensure_default_model
    from qa.models.reader_inputs import ReaderTokenizer
    from qa.models.reader_net import base_network, trained_parameter_names

    torch.set_num_threads(2)
    model_dir = ensure_default_model()
    net = base_network(model_dir)
    stages = len(warm_start(folder, net, trained_parameter_names(net))["stages"])
    net.eval()
    return net, ReaderTokenizer.from_file(str(model_dir / "tokenizer.json")), stages


def check_forms() -> dict:
    """The forms a check shows each question in: {name: (question, passage) -> question shown}."""
    from english_forms import code_switched, in_english

    from qa.answer.diacritics import restore_diacritics
    from qa.ingest.text import fold_accents

    return {"as written": lambda q, _: q, "code-switched English": lambda q, _: code_switched(q),
            "in English word order": lambda q, _: in_english(q),
            "without diacritics, put back from the passage as the reader does": lambda q, c: restore_diacritics(fold_accents(q), [c])}


def main() -> None:
    from train_reader import SEED

    from qa.index.store import write_json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", type=Path, required=True, help="shipped weights or a training checkpoint folder")
    parser.add_argument("--questions", type=int, default=CHECK_QUESTIONS, help="answerable questions per source at most")
    args = parser.parse_args()
    net, tokenizer, stages = checked_reader(args.reader)
    rows = [*role_questions(DATA / "dantri-articles.jsonl.gz", source="dantri", limit=args.questions, seed=SEED, part="all"),
            *role_questions(DATA / "vntc-articles.jsonl.gz", source="vntc", limit=args.questions, seed=SEED, part="held-out")]
    report = {"sources": "Dân trí (all articles), VNTC (held-out articles)",
              **{name: _check(net, tokenizer, rows, shown) for name, shown in check_forms().items()}}
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    write_json(RESULTS, {**results, f"reader after stage {stages}": report})
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
