"""Articles uploaded through the page: the files checked, read, and the outcome reported.

Gradio has already saved each file in its own upload folder (and refused one over
``MAX_UPLOAD_MB``); the files are read where they are and never copied. Messages name a
file, never the server's folder it sits in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.index.updating import UpdateReport
from qa.ingest.corpus import LoadResult, load_articles
from qa.web.escape import md_text
from qa.web.inputs import InputProblem

MAX_UPLOAD_MB = 10
UPLOAD_SUFFIXES = (".txt", ".jsonl")


@dataclass(frozen=True)
class Upload:
    paths: tuple[Path, ...]
    loaded: LoadResult  # at least one article; the records skipped, each with its reason


def upload_paths(files: object) -> tuple[Path, ...]:
    """The saved files, checked again here: the server's limit does not cover every caller."""
    items = files if isinstance(files, (list, tuple)) else [files] if files else []
    paths = tuple(Path(getattr(item, "name", item)) for item in items)
    if not paths:
        raise InputProblem("Hãy chọn ít nhất một tệp .txt hoặc .jsonl (choose a .txt or .jsonl file first).")
    for path in paths:
        if not path.name.lower().endswith(UPLOAD_SUFFIXES):
            raise InputProblem(f"Tệp “{path.name}” không được nhận: chỉ nhận .txt và .jsonl (only .txt and .jsonl files).")
        if path.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
            raise InputProblem(f"Tệp “{path.name}” lớn hơn {MAX_UPLOAD_MB} MB (file too large).")
    return paths


def read_upload(files: object) -> Upload:
    """Bad records are skipped and reported, so one broken line does not lose a whole file."""
    paths = upload_paths(files)
    loaded = load_articles(paths, skip_bad=True)
    if not loaded.articles:
        reasons = "; ".join(_short_location(f"{s.location}: {s.reason}", paths) for s in loaded.skipped)
        raise InputProblem(f"Không đọc được bài báo nào từ tệp (no article could be read). {reasons}")
    return Upload(paths, loaded)


def _short_location(text: str, paths: Sequence[Path]) -> str:
    for path in paths:
        text = text.replace(str(path), path.name)
    return text


def upload_report(name: str, report: UpdateReport, upload: Upload) -> str:
    """What the upload changed in index ``name``, in Markdown."""
    loaded = upload.loaded
    lines = [f"**Đã cập nhật chỉ mục {md_text(name)}** (index updated): "
             f"{len(report.added)} bài mới (added), {len(report.changed)} bài thay đổi (changed), "
             f"{len(report.unchanged)} bài không đổi (unchanged), {len(loaded.skipped)} bản ghi bị bỏ qua (skipped)"
             + (f", {len(loaded.duplicates)} bài trùng nội dung (duplicates)." if loaded.duplicates else ".")]
    for skipped in loaded.skipped:
        lines.append(f"- Bỏ qua (skipped) {md_text(_short_location(skipped.location, upload.paths))}: "
                     f"{md_text(_short_location(skipped.reason, upload.paths))}")
    return "\n".join(lines)
