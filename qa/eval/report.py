"""How an evaluation is shown: a terminal table, report files, plots, failures, comparisons.

Everything here reads the JSON form of a report (``EvalReport.to_dict``), so a report saved
months ago renders and compares exactly like a fresh one.
"""

from __future__ import annotations

import json
from pathlib import Path

from qa.errors import InputError
from qa.eval.evaluate import REPORT_VERSION, EvalReport
from qa.index.store import write_json, write_text

# (label, key in "overall", kind) for the summary columns; recall columns are added per k.
_ANSWER_COLUMNS = (
    ("MRR@10", "mrr10", "ratio"), ("nDCG@10", "ndcg10", "ratio"), ("EM", "exact_match", "pct"), ("F1", "f1", "pct"),
    ("ans∋gold", "contains", "pct"), ("sent∋gold", "supported", "pct"), ("cite@1", "cited", "pct"),
    ("abst P", "abstain_precision", "pct"), ("abst R", "abstain_recall", "pct"),
    ("answered", "answered_share", "pct"), ("ans✓", "answered_right", "pct"),
    ("p50 ms", "latency_p50_ms", "ms"), ("p95 ms", "latency_p95_ms", "ms"),
)
_GROUP_COLUMNS = (("n", "questions", "int"), ("EM", "exact_match", "pct"), ("F1", "f1", "pct"), ("ans∋gold", "contains", "pct"),
                  ("sent∋gold", "supported", "pct"), ("abst R", "abstain_recall", "pct"))
_COMPARED = (("questions", "questions", "int"), ("R@1", "recall.1", "pct"), ("R@10", "recall.10", "pct"),
             ("MRR@10", "mrr10", "ratio"), ("EM", "exact_match", "pct"), ("F1", "f1", "pct"),
             ("ans∋gold", "contains", "pct"), ("sent∋gold", "supported", "pct"), ("abst P", "abstain_precision", "pct"),
             ("abst R", "abstain_recall", "pct"), ("p50 ms", "latency_p50_ms", "ms"), ("p95 ms", "latency_p95_ms", "ms"))


def _get(scores: dict, key: str):
    value = scores
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cell(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{100 * value:.1f}"
    if kind == "ratio":
        return f"{value:.3f}"
    if kind == "ms":
        return f"{value:.0f}"
    return f"{value:,}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return [line(header), line(["-" * w for w in widths]), *map(line, rows)]


def summary_lines(report: dict) -> list[str]:
    """One screen: a row per retriever, then the first retriever by question type and language."""
    ks = report["ks"]
    columns = [(f"R@{k}", f"recall.{k}", "pct") for k in ks] + [(f"P@{k}∋", f"passage_recall.{k}", "pct") for k in ks[-1:]]
    columns += list(_ANSWER_COLUMNS)
    index = report["index"]
    lines = [f"gold {report['gold']} ({report['gold_format']}, {report['runs'][0]['overall']['questions']} questions, "
             f"{report['runs'][0]['overall']['answerable']} answerable) on index {index['name']} "
             f"({index['articles']:,} articles, {index['chunks']:,} chunks)", ""]
    rows = [[run["retriever"]] + [_cell(_get(run["overall"], key), kind) for _, key, kind in columns] for run in report["runs"]]
    lines += _table(["retriever"] + [label for label, _, _ in columns], rows)
    first = report["runs"][0]
    group_columns = [_GROUP_COLUMNS[0]] + [(f"R@{k}", f"recall.{k}", "pct") for k in _group_ks(ks)] + list(_GROUP_COLUMNS[1:])
    for title, groups in (("by question type", first["by_type"]), ("by language", first["by_lang"])):
        lines += ["", f"{first['retriever']}, {title}:"]
        group_rows = [[name] + [_cell(_get(s, key), kind) for _, key, kind in group_columns] for name, s in groups.items()]
        lines += _table([""] + [label for label, _, _ in group_columns], group_rows)
    lines += [f"warning: {w}" for w in report["warnings"]]
    return lines


def _group_ks(ks: list[int]) -> list[int]:
    """The first cut-off and 10 (or the deepest), to keep group tables narrow."""
    return sorted({ks[0], 10 if 10 in ks else ks[-1]})


def write_report(report: EvalReport, out: str | Path) -> list[Path]:
    """report.json, report.md, questions.jsonl, failures.md, and the PNG plots, in ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    document = report.to_dict()
    write_json(folder / "report.json", document)
    detailed = report.to_dict(with_results=True)
    written = [folder / "report.json",
               _write_text(folder / "questions.jsonl", "".join(
                   json.dumps({"retriever": run["retriever"], **result}, ensure_ascii=False) + "\n"
                   for run in detailed["runs"] for result in run["results"])),
               _write_text(folder / "failures.md", failures_markdown(detailed)),
               _write_text(folder / "report.md", report_markdown(document))]
    return written + _plots(document, folder)


def _write_text(path: Path, text: str) -> Path:
    write_text(path, text)
    return path


def report_markdown(report: dict) -> str:
    lines = ["# Evaluation report", "", f"- gold set: `{report['gold']}` ({report['gold_format']})",
             f"- index: `{report['index']['name']}`, {report['index']['articles']:,} articles, "
             f"{report['index']['chunks']:,} chunks, model {report['index']['model']['name']} "
             f"({report['index']['model']['fingerprint']})", f"- answers cite up to {report['sources']} sources; "
             f"run {report['created_at']}", ""]
    lines += [f"> warning: {w}" for w in report["warnings"]]
    lines += ["", "```", *summary_lines(report), "```", "", _DEFINITIONS]
    lines += ["", "![Recall@k](recall_at_k.png)", "", "![By question type](by_type.png)", ""]
    return "\n".join(lines)


_DEFINITIONS = """\
**Definitions.** R@k: the gold article is among the first k distinct articles retrieved
(answerable questions that name a gold article). P@k∋: a gold answer appears in one of the
first k passages. MRR@10, nDCG@10: article-level, one relevant article per question. EM and
F1: the short answer against the best gold answer after NFC, lower case, one tone-mark
convention and punctuation removal (no English-article stripping); an abstention on an
answerable question scores 0. ans∋gold / sent∋gold: the short answer / supporting sentence
contains a gold answer. cite@1: the first citation is the gold article. abst P / abst R:
precision and recall of abstaining, with the unanswerable questions as the positives.
answered / ans✓: the share of questions labelled "answered" (trust), and how many of those
hold a gold answer (answerable, ans∋gold).
Latency: wall time of one `ask()` per question, embedding included."""


def failures_markdown(detailed: dict) -> str:
    """Every question the first retriever got wrong: question, expected, got, cited passage."""
    run = detailed["runs"][0]
    failures = [r for r in run["results"] if (not r["contains"] if r["answers"] else not r["abstained"])]
    lines = [f"# Failures of {run['retriever']}: {len(failures)} of {len(run['results'])}", ""]
    for r in failures:
        expected = " | ".join(r["answers"]) or "(unanswerable: should abstain)"
        got = "(abstained)" if r["abstained"] else r["answer"]
        lines += [
            f"## {r['id']} · {r['type']} · {r['lang']}", "", f"- question: {r['question']}", f"- expected: {expected}",
            f"- got: {got} (confidence {r['confidence']:.2f})", f"- sentence: {r['sentence'] or '–'}",
            f"- gold article: {r['doc_id'] or '–'}, rank {r['article_rank'] or 'not retrieved'}; "
            f"cited: {r['cited_doc'] or '–'}", "", "> " + (r["cited_passage"] or "–").replace("\n", "\n> "), "",
        ]
    return "\n".join(lines)


def _plots(report: dict, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = report["ks"]
    figure, axes = plt.subplots(figsize=(6, 4))
    for run in report["runs"]:
        axes.plot(ks, [100 * (_get(run["overall"], f"recall.{k}") or 0) for k in ks], marker="o", label=run["retriever"])
    axes.set(xlabel="k (articles)", ylabel="Recall@k (%)", title="Gold article within the first k", xticks=ks)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(folder / "recall_at_k.png", dpi=110)
    plt.close(figure)

    types = sorted({t for run in report["runs"] for t in run["by_type"]})
    figure, axes = plt.subplots(figsize=(max(6, len(types) * 0.9), 4))
    width = 0.8 / len(report["runs"])
    for i, run in enumerate(report["runs"]):
        values = [100 * (_get(run["by_type"].get(t, {}), "f1") or 0) for t in types]
        axes.bar([x + i * width for x in range(len(types))], values, width, label=run["retriever"])
    axes.set_xticks([x + width * (len(report["runs"]) - 1) / 2 for x in range(len(types))], types, rotation=30)
    axes.set(ylabel="answer F1 (%)", title="Answer F1 by question type")
    axes.legend()
    figure.tight_layout()
    figure.savefig(folder / "by_type.png", dpi=110)
    plt.close(figure)
    return [folder / "recall_at_k.png", folder / "by_type.png"]


# --- comparing two reports -------------------------------------------------------------------


def read_report(path: str | Path) -> dict:
    """A saved report.json, or the folder holding one."""
    target = Path(path)
    target = target / "report.json" if target.is_dir() else target
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(target), f"not a qa eval report ({exc})") from None
    if not isinstance(document, dict) or document.get("report_version") != REPORT_VERSION:
        raise InputError(str(target), f"not a qa eval report of version {REPORT_VERSION}")
    return document


def compare_lines(before: dict, after: dict, *, before_results: list[dict] = (), after_results: list[dict] = ()) -> list[str]:
    """Each retriever both reports ran, figure by figure with the change; then the questions that flipped."""
    lines = [f"A: {before['gold']} on {before['index']['name']} ({before['created_at']})",
             f"B: {after['gold']} on {after['index']['name']} ({after['created_at']})"]
    runs_after = {run["retriever"]: run for run in after["runs"]}
    for run in before["runs"]:
        other = runs_after.get(run["retriever"])
        if other is None:
            lines += ["", f"{run['retriever']}: only in A"]
            continue
        rows = []
        for label, key, kind in _COMPARED:
            a, b = _get(run["overall"], key), _get(other["overall"], key)
            rows.append([label, _cell(a, kind), _cell(b, kind), _delta(a, b, kind)])
        lines += ["", f"{run['retriever']}:"] + _table(["", "A", "B", "B−A"], rows)
        lines += _flips(run["retriever"], before_results, after_results)
    return lines


def _delta(a, b, kind: str) -> str:
    if a is None or b is None:
        return "–"
    return {"pct": f"{100 * (b - a):+.1f}", "ratio": f"{b - a:+.3f}"}.get(kind, f"{b - a:+,.0f}")


def _flips(retriever: str, before: list[dict], after: list[dict]) -> list[str]:
    ok = lambda r: r["contains"] if r["answers"] else r["abstained"]  # noqa: E731
    a = {r["id"]: r for r in before if r["retriever"] == retriever}
    b = {r["id"]: r for r in after if r["retriever"] == retriever}
    shared = a.keys() & b.keys()
    fixed = sorted(i for i in shared if ok(b[i]) and not ok(a[i]))
    broken = sorted(i for i in shared if ok(a[i]) and not ok(b[i]))
    if not shared:
        return []
    lines = [f"questions fixed in B: {len(fixed)}, broken in B: {len(broken)} (of {len(shared)} in both)"]
    lines += [f"  broken {i}: {b[i]['question']} → {b[i]['answer'] or '(abstained)'}" for i in broken[:10]]
    lines += [f"  fixed  {i}: {b[i]['question']} → {b[i]['answer'] or '(abstained)'}" for i in fixed[:10]]
    return lines


def read_results(path: str | Path) -> list[dict]:
    """The per-question results saved beside a report, or none when they were not kept."""
    target = Path(path)
    folder = target if target.is_dir() else target.parent
    questions = folder / "questions.jsonl"
    if not questions.is_file():
        return []
    return [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
