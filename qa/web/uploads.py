"""Articles uploaded through the page: the files checked, read one by one, and the outcome reported.

Gradio has already saved each file in its own upload folder (and refused one over
``MAX_UPLOAD_MB``); the files are read where they are and never copied. Each file is read on
its own so the page can say, file by file, what it gave; messages name a file, never the
server's folder it sits in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError
from qa.index.updating import UpdateReport
from qa.ingest.corpus import Article, load_articles
from qa.web.escape import md_text
from qa.web.inputs import InputProblem

MAX_UPLOAD_MB = 10
UPLOAD_SUFFIXES = (".txt", ".jsonl", ".html", ".htm")
_KINDS = ".txt, .jsonl, .html"


@dataclass(frozen=True)
class FileOutcome:
    name: str
    articles: int
    skipped: tuple[str, ...]  # one reason per record left out
    duplicates: int = 0  # articles already given by an earlier file or line


@dataclass(frozen=True)
class Upload:
    articles: tuple[Article, ...]  # at least one
    files: tuple[FileOutcome, ...]


def upload_paths(files: object) -> tuple[Path, ...]:
    """The saved files, checked again here: the server's limit does not cover every caller."""
    items = files if isinstance(files, (list, tuple)) else [files] if files else []
    paths = tuple(Path(getattr(item, "name", item)) for item in items)
    if not paths:
        raise InputProblem(f"Hãy chọn ít nhất một tệp {_KINDS} (choose a file first).")
    for path in paths:
        if not path.name.lower().endswith(UPLOAD_SUFFIXES):
            raise InputProblem(f"Tệp “{path.name}” không được nhận: chỉ nhận {_KINDS} (only {_KINDS} files).")
        if path.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
            raise InputProblem(f"Tệp “{path.name}” lớn hơn {MAX_UPLOAD_MB} MB (file too large).")
    return paths


def _read_one(path: Path, seen: dict[str, Article]) -> tuple[list[Article], FileOutcome]:
    """Bad records are skipped and reported, so one broken line does not lose a whole file."""
    try:
        loaded = load_articles([path], skip_bad=True)
    except QAError as exc:
        return [], FileOutcome(path.name, 0, (_short(str(exc), path),))
    fresh = [a for a in loaded.articles if a.id not in seen]
    seen.update((a.id, a) for a in fresh)
    reasons = tuple(_short(f"{s.location}: {s.reason}", path) for s in loaded.skipped)
    return fresh, FileOutcome(path.name, len(fresh), reasons, len(loaded.articles) - len(fresh) + len(loaded.duplicates))


def read_upload(files: object, *, on_file=lambda number, total, name: None) -> Upload:
    """Every file read in turn (``on_file`` hears which); an upload with no article at all is refused."""
    paths = upload_paths(files)
    seen: dict[str, Article] = {}
    articles, outcomes = [], []
    for number, path in enumerate(paths, start=1):
        on_file(number, len(paths), path.name)
        fresh, outcome = _read_one(path, seen)
        articles += fresh
        outcomes.append(outcome)
    if not articles:
        reasons = "; ".join(reason for outcome in outcomes for reason in outcome.skipped)
        raise InputProblem(f"Không đọc được bài báo nào từ tệp (no article could be read). {reasons}")
    return Upload(tuple(articles), tuple(outcomes))


def _short(text: str, path: Path) -> str:
    return text.replace(str(path), path.name)


def _file_line(outcome: FileOutcome) -> str:
    if not outcome.articles and outcome.skipped:
        return f"- ✗ {md_text(outcome.name)}: không đọc được (not read): {md_text('; '.join(outcome.skipped))}"
    line = f"- ✓ {md_text(outcome.name)}: {outcome.articles} bài (articles)"
    if outcome.duplicates:
        line += f", {outcome.duplicates} bài trùng bỏ qua (duplicates left out)"
    for reason in outcome.skipped:
        line += f"\n  - bỏ qua (skipped) {md_text(reason)}"
    return line


def upload_report(name: str, report: UpdateReport, upload: Upload) -> str:
    """What the upload changed in collection ``name``, file by file, in Markdown."""
    lines = [f"**Đã cập nhật bộ sưu tập {md_text(name)}** (collection updated): "
             f"{len(report.added)} bài mới (added), {len(report.changed)} bài thay đổi (changed), "
             f"{len(report.unchanged)} bài không đổi (unchanged)."]
    lines += [_file_line(outcome) for outcome in upload.files]
    return "\n".join(lines)


def created_report(name: str, upload: Upload) -> str:
    lines = [f"**Đã tạo bộ sưu tập {md_text(name)}** (collection created): {len(upload.articles)} bài (articles)."]
    lines += [_file_line(outcome) for outcome in upload.files]
    return "\n".join(lines)
