"""The ``qa`` command line: argument parsing and one-line error reporting, nothing else.

Each sub-command is a small function that calls the library; domain errors (``QAError``)
become one line on stderr and exit status 1, so scripts can rely on both.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from .chunking import ChunkSettings, chunk_article
from .corpus import load_articles
from .errors import QAError
from .progress import progress
from .text import sentence_spans


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Cited answers from Vietnamese news articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_corpus_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
