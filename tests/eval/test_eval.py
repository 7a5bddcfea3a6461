"""`qa eval`: gold formats, metric definitions, and the harness end to end on a toy corpus.

Metric expectations are worked out by hand from their definitions; the end-to-end checks use
a corpus built so that the right article is unmistakable for BM25, so the expected figures
follow from the data, not from a previous run.
"""

from __future__ import annotations

import gzip
import json
import math

import pytest

from qa.cli import main as cli_main
from qa.errors import InputError
from qa.eval.evaluate import evaluate, parse_retriever
from qa.eval.report import compare_lines, read_report, read_results, summary_lines, write_report
from qa.eval.gold import load_gold_set
from qa.eval.metrics import (distinct, exact_match, first_rank, mrr_at, ndcg_at, precision_recall, ranking_auc, recall_at,
                             token_f1)
from tests.support.hashing_embedder import HashingEmbedder


@pytest.fixture(autouse=True)
def index_home(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_EMBEDDINGS_DIR", str(tmp_path / "emb"))


def _jsonl(path, records, *, gz=False):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- metrics, by hand -------------------------------------------------------------------------


def test_exact_match_ignores_case_punctuation_and_tone_mark_placement():
    assert exact_match("Hoà Bình.", ["hòa bình"]) == 1.0
    assert exact_match("Thủy điện", ["thuỷ điện"]) == 1.0
    assert exact_match("Hòa Bình", ["Hoà Bình tỉnh"]) == 0.0
    assert exact_match("the hospital", ["hospital"]) == 0.0  # English articles are not stripped


def test_token_f1_takes_the_best_gold_answer():
    # "thiếu tướng đỗ triệu phong" vs "đỗ triệu phong": precision 3/5, recall 1 -> F1 0.75
    assert token_f1("Thiếu tướng Đỗ Triệu Phong", ["Đỗ Triệu Phong"]) == pytest.approx(0.75)
    assert token_f1("Thiếu tướng Đỗ Triệu Phong", ["Mai Văn Hà", "Thiếu tướng Đỗ Triệu Phong"]) == 1.0
    assert token_f1("", ["Đỗ Triệu Phong"]) == 0.0
    assert token_f1("ba ba", ["ba"]) == pytest.approx(2 * 0.5 * 1 / 1.5)  # repeated tokens count once each


def test_rank_measures_follow_their_definitions():
    ranks = [1, 3, None, 11]
    assert recall_at(ranks, 1) == 0.25
    assert recall_at(ranks, 10) == 0.5
    assert mrr_at(ranks, 10) == pytest.approx((1 + 1 / 3) / 4)
    assert ndcg_at(ranks, 10) == pytest.approx((1 + 1 / math.log2(4)) / 4)
    assert math.isnan(recall_at([], 5))
    assert first_rank(distinct(["a", "a", "b", "c", "b"]), "c") == 3


def test_abstention_precision_and_recall():
    abstained = [True, True, False, False]
    unanswerable = [True, False, True, False]
    assert precision_recall(abstained, unanswerable) == (0.5, 0.5)
    precision, recall = precision_recall([False, False], [True, False])
    assert math.isnan(precision) and recall == 0.0


def test_ranking_auc_counts_pairs_won_and_ties_as_half():
    # pairs (0.9, 0.1) won, (0.9, 0.5) won, (0.5, 0.1) won, (0.5, 0.5) tied: 3.5 of 4
    assert ranking_auc([0.9, 0.5], [0.1, 0.5]) == 0.875
    assert ranking_auc([0.2], [0.8]) == 0.0 and ranking_auc([0.8], [0.2]) == 1.0


# --- gold formats -----------------------------------------------------------------------------


def test_project_format_infers_type_and_language_when_absent(tmp_path):
    path = _jsonl(tmp_path / "g.jsonl", [
        {"id": "q1", "question": "Ai chủ trì hội nghị?", "answers": ["Ông A"], "doc_id": "d1"},
        {"id": "q2", "question": "ai chu tri hoi nghi", "answers": []},
        {"id": "q3", "question": "Who chaired the meeting?", "answers": ["Ông A"], "type": "custom", "lang": "en-x"},
    ])
    gold = load_gold_set(path)
    assert gold.format == "project" and gold.contexts == ()
    q1, q2, q3 = gold.questions
    assert (q1.type, q1.lang, q1.doc_id, q1.answerable) == ("who", "vi", "d1", True)
    assert (q2.lang, q2.answerable) == ("vi-nodiac", False)
    assert (q3.type, q3.lang) == ("custom", "en-x")


def test_squad_style_lines_make_one_article_per_context(tmp_path):
    context = "Bệnh viện Chợ Rẫy tiếp nhận 12 ca bệnh. Các bác sĩ đã cứu sống bệnh nhân."
    path = _jsonl(tmp_path / "qa.jsonl.gz", [
        {"id": "a", "question": "Bệnh viện nào tiếp nhận ca bệnh?", "answers": ["Chợ Rẫy", "Bệnh viện Chợ Rẫy"],
         "answer_starts": [10, 0], "context": context, "title": "Tin y tế", "context_id": "c1"},
        {"id": "b", "question": "Bao nhiêu ca bệnh?", "answers": ["12 ca"], "context": context, "context_id": "c1"},
        {"id": "c", "question": "Ai cứu bệnh nhân?", "answers": ["Các bác sĩ"], "context": "Một văn bản khác hẳn."},
    ], gz=True)
    gold = load_gold_set(path)
    assert gold.format == "squad-jsonl"
    assert [a.title for a in gold.contexts][0] == "Tin y tế"
    assert len(gold.contexts) == 2
    assert [q.doc_id for q in gold.questions][:2] == ["c1", "c1"]
    assert gold.questions[2].doc_id == gold.contexts[1].id


def test_squad_v2_json_marks_impossible_questions_unanswerable(tmp_path):
    document = {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "Hà Nội là thủ đô.", "qas": [
        {"id": "x1", "question": "Thủ đô là gì?", "answers": [{"text": "Hà Nội", "answer_start": 0}]},
        {"id": "x2", "question": "Dân số bao nhiêu?", "answers": [], "plausible_answers": [{"text": "Hà Nội"}],
         "is_impossible": True},
    ]}]}]}
    (tmp_path / "squad.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    gold = load_gold_set(tmp_path / "squad.json")
    assert gold.format == "squad-json"
    assert [q.answers for q in gold.questions] == [("Hà Nội",), ()]
    assert gold.questions[0].doc_id == gold.contexts[0].id


@pytest.mark.parametrize("line, problem", [
    ('{"question": "Ai?", "answers": ["A"]', "not valid JSON"),
    ('["not", "an", "object"]', "JSON object"),
    ('{"answers": ["A"]}', "missing field 'question'"),
    ('{"question": "Ai?", "answers": "A"}', "'answers' must be a list"),
    ('{"question": "  ", "answers": []}', "non-empty"),
    ('{"question": "Ai?", "answers": [], "context": ""}', "'context'"),
])
def test_malformed_lines_name_file_and_line(tmp_path, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Ai chủ trì?", "answers": ["A"]}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_gold_set(path)
    assert f"{path}:3" in str(error.value) and problem in str(error.value)


def test_duplicate_ids_and_broken_squad_json_are_refused(tmp_path):
    path = _jsonl(tmp_path / "dup.jsonl", [{"id": "1", "question": "A?", "answers": []}] * 2)
    with pytest.raises(InputError, match="appears twice"):
        load_gold_set(path)
    (tmp_path / "s.json").write_text('{"data": [{"paragraphs": [{"context": "x"}]}]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"data\[0\]\.paragraphs\[0\].*'qas'"):
        load_gold_set(tmp_path / "s.json")


def test_retriever_specs_are_parsed_and_checked():
    spec = parse_retriever("hybrid:fusion=rrf,rrf_k=20")
    assert (spec.settings.mode, spec.settings.fusion, spec.settings.rrf_k) == ("hybrid", "rrf", 20)
    assert parse_retriever("dense:candidates=80").settings.candidates == 80
    for bad in ("sparse", "hybrid:speed=9", "hybrid:rrf_k=x", "hybrid:fusion=max"):
        with pytest.raises(ValueError):
            parse_retriever(bad)


# --- the harness end to end -------------------------------------------------------------------

TOPICS = [
    ("hn", "Hà Nội", "Ủy ban nhân dân thành phố Hà Nội họp về quy hoạch sông Hồng. Ông Trần Sỹ Thanh chủ trì cuộc họp."),
    ("dn", "Đà Nẵng", "Bệnh viện Đà Nẵng tiếp nhận 37 ca sốt xuất huyết trong tuần. Bác sĩ Lê Đức Nhân cho biết tình hình."),
    ("ct", "Cần Thơ", "Cần Thơ khánh thành cầu Trần Hoàng Na dài 600 mét. Công trình khởi công năm 2019."),
]


@pytest.fixture
def squad_set(tmp_path):
    rows = [
        {"id": "q-hn", "question": "Ai chủ trì cuộc họp về quy hoạch sông Hồng?", "answers": ["Trần Sỹ Thanh"]},
        {"id": "q-dn", "question": "Bệnh viện Đà Nẵng tiếp nhận bao nhiêu ca sốt xuất huyết?", "answers": ["37 ca"]},
        {"id": "q-ct", "question": "Cầu Trần Hoàng Na dài bao nhiêu?", "answers": ["600 mét"]},
    ]
    records = [{**row, "context": text, "context_id": cid, "title": title}
               for row, (cid, title, text) in zip(rows, TOPICS, strict=True)]
    records.append({"id": "q-none", "question": "Giá vàng SJC hôm nay là bao nhiêu?", "answers": [],
                    "context": TOPICS[0][2], "context_id": "hn"})
    return _jsonl(tmp_path / "set.jsonl", records)


def test_bm25_finds_each_unmistakable_article_first(squad_set):
    report = evaluate(squad_set, retrievers=["bm25", "dense"], embedder=HashingEmbedder())
    bm25, dense = report.runs
    assert bm25.overall.questions == 4 and bm25.overall.answerable == 3
    assert bm25.overall.recall == {1: 1.0, 5: 1.0, 10: 1.0, 20: 1.0}
    assert bm25.overall.mrr10 == 1.0
    assert bm25.overall.passage_recall[1] == 1.0  # each article is a single passage holding its answer
    assert report.index["articles"] == 3
    assert dense.retriever == "dense" and [r.id for r in dense.results] == [r.id for r in bm25.results]
    assert all(r.latency_ms > 0 for r in bm25.results)


def test_answers_are_scored_against_their_gold(squad_set):
    run = evaluate(squad_set, retrievers=["bm25"], embedder=HashingEmbedder()).runs[0]
    for result in run.results:
        if result.answerable and not result.abstained:
            assert result.f1 == token_f1(result.answer, result.answers)
            assert result.contains == (" ".join(result.answers[0].lower().split()) in result.answer.lower())
        if not result.answerable:
            assert result.f1 == 0.0 and result.exact_match == 0.0
    by_type = run.by_type
    assert sum(s.questions for s in by_type.values()) == 4
    assert {"vi"} == set(run.by_lang)


def test_corpus_option_indexes_the_files_once_and_warns_about_missing_gold(tmp_path, squad_set):
    corpus = _jsonl(tmp_path / "articles.jsonl", [{"id": cid, "title": t, "text": x} for cid, t, x in TOPICS[:2]])
    messages: list[str] = []
    first = evaluate(squad_set, corpus=[corpus], retrievers=["bm25"], embedder=HashingEmbedder(), log=messages.append)
    assert first.index["articles"] == 2
    assert any("1 of 3 gold articles are not in index" in w for w in first.warnings)
    assert first.runs[0].overall.recall[20] == pytest.approx(2 / 3)
    evaluate(squad_set, corpus=[corpus], retrievers=["bm25"], embedder=HashingEmbedder(), log=messages.append)
    assert [m.split()[0] for m in messages] == ["indexing", "using"]


def test_report_files_and_compare(tmp_path, squad_set):
    embedder = HashingEmbedder()
    report = evaluate(squad_set, retrievers=["bm25", "hybrid"], embedder=embedder)
    written = write_report(report, tmp_path / "a")
    assert {p.name for p in written} == {"report.json", "report.md", "questions.jsonl", "failures.md",
                                         "recall_at_k.png", "by_type.png"}
    saved = read_report(tmp_path / "a")
    assert saved["runs"][0]["overall"]["recall"]["1"] == 1.0
    assert len(read_results(tmp_path / "a")) == 8
    assert (tmp_path / "a" / "recall_at_k.png").read_bytes()[:4] == b"\x89PNG"
    failures = (tmp_path / "a" / "failures.md").read_text(encoding="utf-8")
    failed = [r for r in report.runs[0].results if r.failed]
    assert f"{len(failed)} of 4" in failures
    for result in failed:
        assert result.question in failures
    table = "\n".join(summary_lines(saved))
    assert "bm25" in table and "hybrid" in table and "by question type" in table

    later = evaluate(squad_set, retrievers=["bm25"], embedder=embedder, limit=2)
    write_report(later, tmp_path / "b")
    lines = compare_lines(saved, read_report(tmp_path / "b"), before_results=read_results(tmp_path / "a"),
                          after_results=read_results(tmp_path / "b"))
    text = "\n".join(lines)
    assert "hybrid: only in A" in text
    assert "of 2 in both" in text


def test_cli_eval_and_compare(tmp_path, squad_set, capsys, monkeypatch):
    monkeypatch.setattr("qa.eval.evaluate.make_embedder", lambda model=None, **_: HashingEmbedder())
    assert cli_main(["eval", str(squad_set), "--retriever", "bm25", "-k", "1,3", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[2].split()
    assert header[:4] == ["retriever", "R@1", "R@3", "P@3∋"]
    assert "R@1" in out.split("by question type")[1].splitlines()[1].split()
    assert cli_main(["eval", "compare", str(tmp_path / "r"), str(tmp_path / "r")]) == 0
    assert "fixed in B: 0, broken in B: 0" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["eval", "missing.jsonl"], "no such gold file"),
    (["eval", "compare", "only-one"], "takes two reports"),
    (["eval", "GOLD", "-k", "1,x"], "-k '1,x'"),
    (["eval", "GOLD", "--retriever", "sparse"], "bm25, dense or hybrid"),
])
def test_cli_errors_are_one_line(tmp_path, squad_set, capsys, argv, message):
    argv = [str(squad_set) if part == "GOLD" else part for part in argv]
    assert cli_main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("qa: error:") and message in err and "\n" not in err


def test_split_selects_questions_and_names_the_splits_it_has(tmp_path):
    path = _jsonl(tmp_path / "s.jsonl", [
        {"id": "1", "question": "Ai chủ trì?", "answers": ["Ông A"], "split": "dev"},
        {"id": "2", "question": "Ở đâu?", "answers": ["Huế"], "split": "train"},
    ])
    report = evaluate(path, split="train", retrievers=["bm25"], embedder=HashingEmbedder())
    assert [r.id for r in report.runs[0].results] == ["2"] and report.gold.endswith("[train]")
    with pytest.raises(ValueError, match="splits: dev, train"):
        evaluate(path, split="test", embedder=HashingEmbedder())
