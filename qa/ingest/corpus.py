"""Articles and the loaders that read them from seed files, plain text, JSON Lines, saved news
pages (.html, .htm) and folders.

Every loader yields the same frozen ``Article``; text is cleaned once here
(``clean_article_text``) and never again, so every offset computed downstream points into
exactly the text the index stores.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from qa.errors import DuplicateArticleError, InputError
from qa.ingest.html_pages import HTML_SUFFIXES, read_html_page
from qa.ingest.text import clean_article_text, sentence_spans

ARTICLE_SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", *HTML_SUFFIXES)
_SEED_HEADER_RE = re.compile(r"^\s*date\s+(\d{4}(?:-\d{1,2}){0,2})\s+")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_TITLE_MAX_CHARS = 90
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True, order=True)
class ArticleDate:
    """A publication date kept at the precision the source gave (year, month or day)."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, value: str) -> ArticleDate:
        """Accept ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a time part after the day is ignored)."""
        match = _DATE_RE.match(value.strip())
        if not match:
            raise ValueError(f"not a date: {value!r} (expected YYYY, YYYY-MM or YYYY-MM-DD)")
        year, month, day = (int(g) if g else None for g in match.groups())
        result = cls(year, month, day)
        result.first_day()  # validates month and day
        return result

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.month and self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        if self.day:
            return self.first_day()
        if not self.month:
            return date(self.year, 12, 31)
        next_month = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return date.fromordinal(next_month.toordinal() - 1)


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    date: ArticleDate | None
    text: str
    source: str
    url: str | None = None
    title_derived: bool = False
    origin: str = ""  # the file (and line) it was read from, for error messages

    @property
    def content_hash(self) -> str:
        """Identifies the text itself, so unchanged articles are never re-embedded."""
        payload = "\x1f".join([self.title, str(self.date or ""), self.text])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class SkippedRecord:
    location: str
    reason: str


@dataclass(frozen=True)
class DuplicateText:
    """An article dropped because another one with identical text was kept."""

    dropped_id: str
    kept_id: str


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    skipped: tuple[SkippedRecord, ...] = ()
    duplicates: tuple[DuplicateText, ...] = ()
    ignored_files: tuple[str, ...] = field(default=())


def derive_title(text: str) -> str:
    """A headline for an article that has none: its first sentence, cut at a word boundary."""
    spans = sentence_spans(text)
    if not spans:
        return ""
    lede = text[spans[0][0] : spans[0][1]].rstrip(".!?… ")
    if len(lede) <= _TITLE_MAX_CHARS:
        return lede
    cut = lede.rfind(" ", 0, _TITLE_MAX_CHARS)
    return lede[: cut if cut > 0 else _TITLE_MAX_CHARS].rstrip(",;:– -") + "…"


def make_article(
    *,
    id: str,
    text: str,
    source: str,
    title: str = "",
    date: str | None = None,
    url: str | None = None,
    origin: str = "",
) -> Article:
    """The one place that turns raw fields into an ``Article``: cleaning, dates, derived titles."""
    _check_unicode(id=id, text=text, title=title, source=source, url=url)
    clean = clean_article_text(text)
    if not clean:
        raise ValueError("the article text is empty")
    headline = clean_article_text(title or "").replace("\n", " ")
    parsed_date = ArticleDate.parse(date) if date else None
    return Article(
        id=id,
        title=headline or derive_title(clean),
        date=parsed_date,
        text=clean,
        source=source,
        url=url or None,
        title_derived=not headline,
        origin=origin or source,
    )


def _check_unicode(**fields: str | None) -> None:
    """Refuse a lone surrogate: JSON can spell one ("\\ud800"), but it is not text, and it would
    fail much later, when the index is written or the model tokenizes it."""
    for name, value in fields.items():
        found = _SURROGATE_RE.search(value or "")
        if found:
            raise ValueError(f"'{name}' holds a lone surrogate (\\u{ord(found.group()):04x} at character "
                             f"{found.start()}), which is not valid Unicode text")


# --- reading files ---------------------------------------------------------------------


def _decode(raw: bytes, location: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(location, "is UTF-16 text; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(location, f"is not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8") from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None


def _read_utf8_file(path: Path) -> str:
    raw = _read_bytes(path)
    if not raw.strip():
        raise InputError(str(path), "is empty")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(str(path), "looks like a binary file, not article text")
    return _decode(raw, str(path))


def _read_text_file(path: Path) -> Article:
    text = _read_utf8_file(path)
    header = _SEED_HEADER_RE.match(text)
    date_text = header.group(1) if header else None
    body = text[header.end():] if header else text
    try:
        return make_article(id=path.stem, text=body, source=str(path), date=date_text)
    except ValueError as exc:
        raise InputError(f"{path}:1", str(exc)) from None


def _read_html_file(path: Path) -> Article:
    html = _read_utf8_file(path)
    try:
        page = read_html_page(html)
        return make_article(id=path.stem, text=page.text, title=page.title, date=page.date, url=page.url,
                            source=str(path))
    except ValueError as exc:
        raise InputError(str(path), str(exc)) from None


def _jsonl_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    opener = gzip.open if _kind(path) == ".jsonl.gz" else open
    line_no = 0
    try:
        with opener(path, "rb") as handle:
            for line_no, line in enumerate(handle, start=1):
                yield line_no, line
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}:{line_no + 1}", f"is a damaged or truncated gzip file ({exc})") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc})") from None


def _record_to_article(record: object, *, path: Path, line: int) -> Article:
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("no 'text' field" if text is None else "'text' is not a string")
    return make_article(
        id=_optional_str(record, "id") or f"{_stem(path)}:{line}",
        text=text,
        title=_optional_str(record, "title"),
        date=_optional_str(record, "date") or None,
        source=_optional_str(record, "source") or str(path),
        url=_optional_str(record, "url") or None,
        origin=f"{path}:{line}",
    )


def _optional_str(record: dict, key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ValueError(f"'{key}' must be a string")
    return str(value)


def _kind(path: Path) -> str:
    """The article suffix a file name ends in, in any case ("BAI.TXT" is a text file too); "" if none."""
    lowered = path.name.lower()
    return next((suffix for suffix in ARTICLE_SUFFIXES if lowered.endswith(suffix)), "")


def _stem(path: Path) -> str:
    kind = _kind(path)
    return path.name[: -len(kind)] if kind else path.stem


def _parse_json(line: str, location: str) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(location, f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError(location, "invalid JSON (nested too deeply)") from None
    except ValueError as exc:  # a number too long to convert
        raise InputError(location, f"invalid JSON ({exc})") from None


def _read_jsonl(path: Path, on_bad: Callable[[InputError], None]) -> Iterator[Article]:
    seen_any = False
    for line_no, raw in _jsonl_lines(path):
        if not raw.strip():
            continue
        seen_any = True
        location = f"{path}:{line_no}"
        try:
            record = _parse_json(_decode(raw, location), location)
            yield _record_to_article(record, path=path, line=line_no)
        except ValueError as exc:
            on_bad(InputError(location, str(exc)))
        except InputError as exc:
            on_bad(exc)
    if not seen_any:
        raise InputError(str(path), "is empty")


def _files_under(folder: Path) -> tuple[list[Path], list[str]]:
    """Article files below ``folder`` in a stable order; other files are reported, not read.

    Only regular files are read: a broken link, a link loop or a named pipe would fail or
    block, so they are reported with the other files.
    """
    found, ignored = [], []
    for root, dirs, files in os.walk(folder):  # does not follow symlinked folders: no loops
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if _kind(path) and path.is_file():
                found.append(path)
            else:
                ignored.append(str(path))
    return found, ignored


def _expand(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    files, ignored = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found, skipped = _files_under(path)
            files.extend(found)
            ignored.extend(skipped)
        elif path.is_file():
            if not _kind(path):
                raise InputError(str(path), f"unsupported file type (expected one of {', '.join(ARTICLE_SUFFIXES)})")
            files.append(path)
        elif os.path.lexists(path):
            raise InputError(str(path), "is not a regular file or folder (a broken link, a link loop or a device?)")
        else:
            raise InputError(str(path), "no such file or folder")
    return files, ignored


def iter_articles(paths: Iterable[str | os.PathLike], *, on_bad: Callable[[InputError], None]) -> Iterator[Article]:
    """Articles from every path in order; each bad file or record goes to ``on_bad``.

    ``on_bad`` either raises (strict loading) or records the problem and returns (skipping).
    """
    files, _ = _expand(paths)
    for path in files:
        try:
            if _kind(path) == ".txt":
                yield _read_text_file(path)
            elif _kind(path) in HTML_SUFFIXES:
                yield _read_html_file(path)
            else:
                yield from _read_jsonl(path, on_bad)
        except InputError as exc:
            on_bad(exc)


def load_articles(paths: Iterable[str | os.PathLike], *, skip_bad: bool = False) -> LoadResult:
    """Load and de-duplicate articles.

    Two articles with the same id are an error naming both sources; two with identical
    text are kept once and reported. With ``skip_bad`` a bad file or record, or a record that
    reuses an id already read, is reported in ``skipped`` instead of stopping the load: one
    reused id in an uploaded file must not lose every other article of it.
    """
    paths = list(paths)
    skipped: list[SkippedRecord] = []

    def on_bad(error: InputError | DuplicateArticleError) -> None:
        if not skip_bad:
            raise error
        skipped.append(SkippedRecord(error.location, error.problem))

    _, ignored = _expand(paths)
    by_id: dict[str, Article] = {}
    by_text: dict[str, str] = {}
    duplicates: list[DuplicateText] = []
    for article in iter_articles(paths, on_bad=on_bad):
        if article.id in by_id:
            on_bad(DuplicateArticleError(article.id, by_id[article.id].origin, article.origin))
            continue
        text_key = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        if text_key in by_text:
            duplicates.append(DuplicateText(dropped_id=article.id, kept_id=by_text[text_key]))
            continue
        by_text[text_key] = article.id
        by_id[article.id] = article
    return LoadResult(tuple(by_id.values()), tuple(skipped), tuple(duplicates), tuple(ignored))
