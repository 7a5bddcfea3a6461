"""What a person types or a program sends, checked once and turned into a ``Query``.

The page and the API take loose values (sliders send floats, programs send anything);
everything past this module works on checked, typed values. A mistake raises ``InputProblem``
whose message, Vietnamese first, says what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from qa.sample import SAMPLE_INDEX_NAME
from qa.web.indexes import index_names

DEFAULT_K = 5
MAX_K = 10

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InputProblem(ValueError):
    """Something the user typed or uploaded cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Query:
    question: str  # spaces folded, never empty
    k: int
    date_from: date | None
    date_to: date | None
    index: str  # an index that exists (or the sample one, built on first use)


def read_query(question: object, k: object, date_from: object, date_to: object, index: object) -> Query:
    """All the checks of one question, in the order the page shows its boxes."""
    text = check_question(question)
    start, end = date_range(date_from, date_to)
    return Query(text, check_k(k), start, end, check_index_name(index))


def check_question(question: object) -> str:
    text = " ".join(str(question or "").split())
    if not text:
        raise InputProblem("Hãy nhập câu hỏi (please type a question).")
    return text


def parse_day(text: object, label_vi: str, label_en: str) -> date | None:
    """A YYYY-MM-DD date typed into a box; empty means no limit."""
    value = str(text or "").strip()
    if not value:
        return None
    try:
        if not _DAY_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InputProblem(f"“{label_vi}” không hợp lệ: “{value}”. Hãy nhập ngày theo dạng YYYY-MM-DD, "
                           f"ví dụ 2022-12-28 (the {label_en} date must be YYYY-MM-DD).") from None


def date_range(date_from: object, date_to: object) -> tuple[date | None, date | None]:
    start = parse_day(date_from, "Từ ngày", "“from”")
    end = parse_day(date_to, "Đến ngày", "“to”")
    if start and end and start > end:
        raise InputProblem("“Từ ngày” phải trước hoặc bằng “Đến ngày” (the “from” date is after the “to” date).")
    return start, end


def check_k(k: object) -> int:
    try:
        value = int(float(k))  # sliders send floats
    except (TypeError, ValueError, OverflowError):
        value = 0
    if not 1 <= value <= MAX_K:
        raise InputProblem(f"Số nguồn phải từ 1 đến {MAX_K} (the number of sources must be 1–{MAX_K}).")
    return value


_COLLECTION_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


def check_new_collection(name: object) -> str:
    """A name for a new collection: short, plain, and not one in use (the sample's included)."""
    value = str(name or "").strip().lower()
    if not _COLLECTION_RE.match(value):
        raise InputProblem("Tên bộ sưu tập chỉ gồm chữ thường không dấu, số, “-” và “_”, tối đa 48 ký tự, ví dụ "
                           "“tin-cua-toi” (a collection name uses a-z, 0-9, '-' and '_', e.g. “my-news”).")
    if value in index_names():
        raise InputProblem(f"Đã có bộ sưu tập “{value}”; hãy chọn tên khác (that name is taken).")
    return value


def check_writable(name: str) -> str:
    """The sample collection is shared by every visitor, so no one may change it."""
    if name == SAMPLE_INDEX_NAME:
        raise InputProblem("Bộ sưu tập mẫu chỉ để đọc; hãy tạo một bộ sưu tập mới để thêm bài "
                           "(the sample collection is read-only: create a collection of your own).")
    return name


def check_index_name(name: object) -> str:
    """Only a listed name: a typed path ("../etc") must never reach the index loader."""
    value = str(name or SAMPLE_INDEX_NAME)
    if value not in index_names():
        raise InputProblem(f"Không có chỉ mục “{value}” (no such index).")
    return value
