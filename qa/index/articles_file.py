"""``articles.jsonl``: the articles of an index, one JSON object a line, text as stored.

The stored text is what every offset of the index points into, so it is kept whole here
rather than re-read from the source files, which may have changed since.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from qa.ingest.corpus import Article, ArticleDate

ARTICLES_FILE = "articles.jsonl"


def write_articles(folder: Path, articles: Iterable[Article], *, after: Path | None = None) -> None:
    """``after``: an articles file whose lines come first, copied as bytes (an update that only appends)."""
    if after is not None:
        shutil.copyfile(after, folder / ARTICLES_FILE)
    with (folder / ARTICLES_FILE).open("a" if after is not None else "w", encoding="utf-8") as out:
        for article in articles:
            out.write(json.dumps(_record(article), ensure_ascii=False) + "\n")


def read_articles(folder: Path) -> tuple[Article, ...]:
    with (folder / ARTICLES_FILE).open(encoding="utf-8") as handle:
        return tuple(_article(json.loads(line)) for line in handle)


def _record(article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "date": str(article.date) if article.date else None,
        "text": article.text,
        "source": article.source,
        "url": article.url,
        "title_derived": article.title_derived,
        "origin": article.origin,
        "content_hash": article.content_hash,
    }


def _article(record: dict) -> Article:
    """Every field is written by ``_record``; the checksum in the manifest vouches for the file."""
    return Article(
        id=record["id"],
        title=record["title"],
        date=ArticleDate.parse(record["date"]) if record["date"] else None,
        text=record["text"],
        source=record["source"],
        url=record["url"],
        title_derived=record["title_derived"],
        origin=record["origin"],
    )
