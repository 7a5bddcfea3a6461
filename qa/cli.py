"""The ``qa`` command line: argument parsing and one-line error reporting, nothing else.

Each sub-command is a small function that calls the library; domain errors (``QAError``)
become one line on stderr and exit status 1, so scripts can rely on both.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from qa.ingest.chunking import ChunkSettings, chunk_article
from qa.ingest.corpus import load_articles
from qa.errors import IndexCorruptError, QAError
from qa.logs import configure_logging, one_line
from qa.progress import progress
from qa.ingest.text import sentence_spans


def _corpus_stats(args: argparse.Namespace) -> int:
    result = load_articles(args.paths, skip_bad=args.skip_bad)
    settings = ChunkSettings()
    sentences = chunks = 0
    for article in progress(result.articles, desc="Counting", unit="article"):
        sentences += len(sentence_spans(article.text))
        chunks += len(chunk_article(article, settings=settings))
    dated = sum(a.date is not None for a in result.articles)
    rows = [
        ("articles read", len(result.articles) + len(result.duplicates)),
        ("articles kept", len(result.articles)),
        ("sentences", sentences),
        (f"chunks (~{settings.target_words} words)", chunks),
        ("dated", dated),
        ("undated", len(result.articles) - dated),
        ("headlines derived from the lede", sum(a.title_derived for a in result.articles)),
        ("duplicate texts dropped", len(result.duplicates)),
        ("bad records skipped", len(result.skipped)),
        ("other files ignored", len(result.ignored_files)),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value:>9,}")
    for skipped in result.skipped:
        print(f"skipped {skipped.location}: {skipped.reason}", file=sys.stderr)
    for duplicate in result.duplicates:
        print(f"duplicate text: {duplicate.dropped_id} (kept {duplicate.kept_id})", file=sys.stderr)
    return 0


def _add_corpus_commands(commands: argparse._SubParsersAction) -> None:
    corpus = commands.add_parser("corpus", help="inspect article files").add_subparsers(dest="action", required=True)
    stats = corpus.add_parser("stats", help="count articles, sentences and chunks")
    stats.add_argument("paths", nargs="+", help=".txt, .jsonl, .jsonl.gz files or folders")
    stats.add_argument("--skip-bad", action="store_true", help="skip bad files and records, reporting each")
    stats.set_defaults(handler=_corpus_stats)


def _embedder(args: argparse.Namespace):
    from qa.models.embedder import make_embedder

    return make_embedder(getattr(args, "model", None), backend=getattr(args, "backend", None), show_progress=True)


def _ray_build(args: argparse.Namespace):
    """``--ray`` as a RayBuild, or None for a build on this machine."""
    if args.ray is None:
        if args.ray_workers is not None:
            raise ValueError("--ray-workers needs --ray auto or --ray ADDRESS")
        return None
    from qa.index.distributed import RayBuild

    return RayBuild(address=args.ray, workers=args.ray_workers)


def _index_build(args: argparse.Namespace) -> int:
    from qa.index.building import build_index

    ray = _ray_build(args)  # a wrong option is reported before the files are read
    result = load_articles(args.paths, skip_bad=args.skip_bad)
    _report_load(result)
    index = build_index(result.articles, name_or_path=args.name, embedder=_embedder(args), sources=args.paths,
                        show_progress=True, ray=ray)
    print(f"built index {index.name}: {len(index.articles):,} articles, {len(index):,} chunks, {index.manifest.build_seconds} s")
    return 0


def _index_add(args: argparse.Namespace) -> int:
    from qa.models.embedder import make_embedder
    from qa.index.opening import index_model
    from qa.index.updating import add_to_index

    model = index_model(args.name)  # a missing index is reported before the files are read
    ray = _ray_build(args)
    result = load_articles(args.paths, skip_bad=args.skip_bad)
    _report_load(result)
    _, report = add_to_index(args.name, result.articles, embedder=make_embedder(built_with=model, show_progress=True),
                             sources=args.paths, show_progress=True, ray=ray)
    print(f"added {len(report.added)}, changed {len(report.changed)}, unchanged {len(report.unchanged)}; "
          f"embedded {report.embedded_chunks} chunks")
    return 0


def _index_remove(args: argparse.Namespace) -> int:
    from qa.models.embedder import make_embedder
    from qa.index.opening import index_model
    from qa.index.updating import remove_from_index

    index, report = remove_from_index(args.name, args.ids, embedder=make_embedder(built_with=index_model(args.name), show_progress=True))
    print(f"removed {len(report.removed)}; {len(index.articles):,} articles remain")
    return 0


def _index_delete(args: argparse.Namespace) -> int:
    from qa.index.updating import delete_index

    delete_index(args.name)
    print(f"deleted index {args.name}")
    return 0


def _index_articles(args: argparse.Namespace) -> int:
    import json

    from qa.index.opening import open_index

    rows = [{"id": a.id, "date": str(a.date) if a.date else None, "title": a.title, "source": a.source, "url": a.url}
            for a in open_index(args.name).articles]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print("\t".join([row["id"], row["date"] or "-", row["title"], row["source"]]))
    return 0


def _index_info(args: argparse.Namespace) -> int:
    from qa.index.opening import open_index

    index = open_index(args.name)
    manifest, model = index.manifest, index.model
    counts = manifest.counts
    rows = [
        ("index", f"{index.name} ({index.path})"),
        ("articles", f"{counts.articles:,} ({counts.dated_articles:,} dated)"),
        ("chunks", f"{counts.chunks:,} ({manifest.vector_index})"),
        ("model", f"{model.name} on {model.backend} ({model.fingerprint}, {model.dimension} dims)"),
        ("chunking", ", ".join(f"{k}={v}" for k, v in manifest.chunking.to_dict().items())),
        ("size on disk", f"{manifest.size_bytes / 1e6:.1f} MB"),
        ("built", f"{manifest.created_at} (updated {manifest.updated_at}, {manifest.build_seconds} s)"),
        ("build stages", ", ".join(f"{k} {v:.1f} s" for k, v in manifest.build_stages_seconds)),
        ("sources", " ".join(manifest.sources)),
    ]
    for name, value in rows:
        print(f"{name:<13} {value}")
    return 0


def _index_verify(args: argparse.Namespace) -> int:
    from qa.index.opening import verify_index

    checked = verify_index(args.name)
    files = len(checked.manifest.files)
    for problem in checked.problems:
        print(f"index {checked.target}: {problem}")
    if checked.problems:
        raise IndexCorruptError(f"index {checked.target}: {len(checked.problems)} of {files} files damaged; "
                                f"{checked.rebuild_hint}")
    print(f"index {checked.target}: ok, {files} files ({checked.manifest.size_bytes / 1e6:.1f} MB) "
          "match their sizes and checksums")
    return 0


def _report_load(result) -> None:
    for skipped in result.skipped:
        print(f"skipped {skipped.location}: {skipped.reason}", file=sys.stderr)
    if result.duplicates:
        print(f"{len(result.duplicates)} duplicate texts kept once", file=sys.stderr)


def _ask(args: argparse.Namespace) -> int:
    import json

    from qa.assistant import Assistant, default_assistant

    if args.index is None and (args.model or args.backend):
        raise ValueError("--model and --backend choose how to open --index; the sample index uses the default model")
    assistant = (default_assistant(show_progress=True, reader=args.reader) if args.index is None
                 else Assistant.open(args.index, model=args.model, backend=args.backend, reader=args.reader))
    answer = assistant.ask(args.question, k=args.k, date_from=args.date_from, date_to=args.date_to)
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) if args.json else answer.markdown())
    return 0


def _add_backend_option(parser: argparse.ArgumentParser) -> None:
    from qa.models.embedder import BACKEND_ENV_VAR, BACKENDS

    parser.add_argument("--backend", choices=BACKENDS,
                        help=f"embedding backend; a saved index opens with its own, a new one uses ${BACKEND_ENV_VAR} "
                             "or the default")


def _add_ray_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray", metavar="auto|ADDRESS",
                        help="chunk and embed on Ray: auto starts one on this machine, an address joins a cluster "
                             "(needs the ray extra)")
    parser.add_argument("--ray-workers", type=int, metavar="N",
                        help="Ray actors, each holding the model (default: one per CPU of the cluster)")


def _add_index_commands(commands: argparse._SubParsersAction) -> None:
    index = commands.add_parser("index", help="build and maintain indexes").add_subparsers(dest="action", required=True)
    build = index.add_parser("build", help="index articles from scratch")
    build.add_argument("paths", nargs="+")
    build.add_argument("--name", required=True, help="index name (under embeddings/index/) or folder path")
    build.add_argument("--model", help="sentence-transformers model name or folder (default: bundled e5-small)")
    _add_backend_option(build)
    build.add_argument("--skip-bad", action="store_true")
    _add_ray_options(build)
    build.set_defaults(handler=_index_build)
    add = index.add_parser("add", help="add new or changed articles; unchanged ones are not re-embedded")
    add.add_argument("paths", nargs="+")
    add.add_argument("--name", required=True)
    add.add_argument("--skip-bad", action="store_true")
    _add_ray_options(add)
    add.set_defaults(handler=_index_add)
    remove = index.add_parser("remove", help="drop articles by id")
    remove.add_argument("ids", nargs="+")
    remove.add_argument("--name", required=True)
    remove.set_defaults(handler=_index_remove)
    delete = index.add_parser("delete", help="delete a whole index, every version of it")
    delete.add_argument("name")
    delete.set_defaults(handler=_index_delete)
    articles = index.add_parser("articles", help="list an index's articles: id, date, title, source (tab-separated)")
    articles.add_argument("name")
    articles.add_argument("--json", action="store_true", help="print a JSON array of {id, date, title, source, url}")
    articles.set_defaults(handler=_index_articles)
    info = index.add_parser("info", help="counts, model, size and build time of an index")
    info.add_argument("name")
    info.set_defaults(handler=_index_info)
    verify = index.add_parser("verify", help="check every file of an index against its size and checksum")
    verify.add_argument("name")
    verify.set_defaults(handler=_index_verify)


def _add_ask_command(commands: argparse._SubParsersAction) -> None:
    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("--index", help="index name or folder (default: the bundled sample)")
    ask.add_argument("--model", help="the model the index was built with (default: the index's own)")
    _add_backend_option(ask)
    ask.add_argument("-k", type=int, default=5, help="number of sources (default 5)")
    ask.add_argument("--date-from", help="only articles from this date (YYYY-MM-DD)")
    ask.add_argument("--date-to", help="only articles up to this date (YYYY-MM-DD)")
    ask.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    ask.add_argument("--reader", help="neural (the trained span reader, default) or rules (hand-written, fast)")
    ask.set_defaults(handler=_ask)


def _eval(args: argparse.Namespace) -> int:
    if args.gold == "compare" and not Path(args.gold).is_file():
        return _eval_compare(args.reports)
    if args.reports:
        raise ValueError(f"unexpected arguments: {' '.join(args.reports)} (did you mean: qa eval compare A B?)")
    from qa.eval.evaluate import evaluate
    from qa.eval.report import summary_lines, write_report

    report = evaluate(
        args.gold, index=args.index, corpus=args.corpus or (), ks=_cut_offs(args.k), retrievers=args.retriever or ["hybrid"],
        sources=args.sources, split=args.split, limit=args.limit, model=args.model, backend=args.backend,
        reader=args.reader, rerank=args.rerank, show_progress=True,
        log=lambda message: print(message, file=sys.stderr),
    )
    print("\n".join(summary_lines(report.to_dict())))
    if args.out:
        written = write_report(report, args.out)
        print(f"\nwrote {', '.join(p.name for p in written)} to {args.out}")
    return 0


def _cut_offs(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"-k {text!r}: give cut-offs as numbers separated by commas, e.g. 1,5,10,20") from None


def _eval_compare(reports: list[str]) -> int:
    from qa.eval.report import compare_lines, read_report, read_results

    if len(reports) != 2:
        raise ValueError("qa eval compare takes two reports: qa eval compare A B (folders or report.json files)")
    before, after = reports
    lines = compare_lines(read_report(before), read_report(after),
                          before_results=read_results(before), after_results=read_results(after))
    print("\n".join(lines))
    return 0


def _add_eval_command(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "eval", help="score answers and retrieval against a gold question set",
        description="qa eval GOLD [options] scores the assistant; qa eval compare A B shows what changed between two reports.",
    )
    evaluate.add_argument("gold", help="gold questions: project .jsonl, SQuAD-style .jsonl[.gz] or SQuAD .json")
    evaluate.add_argument("reports", nargs="*", help=argparse.SUPPRESS)
    source = evaluate.add_mutually_exclusive_group()
    source.add_argument("--index", help="a saved index to search")
    source.add_argument("--corpus", nargs="+", metavar="PATH", help="article files to index (reused while unchanged)")
    evaluate.add_argument("-k", default="1,5,10,20", help="retrieval cut-offs (default 1,5,10,20)")
    evaluate.add_argument("--retriever", action="append", metavar="SPEC",
                          help="bm25, dense, hybrid or hybrid:fusion=rrf,rrf_k=20; repeat to compare (default hybrid)")
    evaluate.add_argument("--sources", type=int, default=5, help="sources per answer, as qa ask -k (default 5)")
    evaluate.add_argument("--split", help="only questions whose 'split' field is this (e.g. dev)")
    evaluate.add_argument("--limit", type=int, help="only the first N questions")
    evaluate.add_argument("--model", help="embedding model, if not the default (or the --index's own)")
    _add_backend_option(evaluate)
    evaluate.add_argument("--reader", help="neural (the trained span reader, default) or rules (hand-written, fast)")
    evaluate.add_argument("--rerank", action="store_true", help="reorder the passages by the reader's answerability first")
    evaluate.add_argument("--out", help="folder for report.json, report.md, questions.jsonl, failures.md and plots")
    evaluate.set_defaults(handler=_eval)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Cited answers from Vietnamese news articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_corpus_commands(commands)
    _add_index_commands(commands)
    _add_ask_command(commands)
    _add_eval_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(level=logging.INFO if args.verbose else logging.WARNING, tracebacks=args.verbose)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (QAError, ValueError, OSError) as exc:  # the user's input or machine, not a bug of ours
        print(f"qa: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: one line, the traceback only when asked for
        if args.verbose:
            raise
        print(f"qa: internal error: {type(exc).__name__}: {one_line(exc)} (run with -v for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
