"""The one place where a failure becomes what a user sees: a ``gr.Error`` pop-up and one log line.

Our own errors (``qa.errors``) and input mistakes say what went wrong in a Vietnamese sentence
with the error's own text after it; anything else is a bug of ours, so the user gets a plain
"internal error" and the traceback goes to the log only (``--verbose``), never to the page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from qa.errors import DuplicateArticleError, IndexCorruptError, IndexNotFoundError, InputError, ModelMismatchError, QAError
from qa.web.escape import esc
from qa.web.inputs import InputProblem

LOG = logging.getLogger(__name__)

_VIETNAMESE_ERRORS: tuple[tuple[type[QAError], str], ...] = (
    (IndexNotFoundError, "Không tìm thấy chỉ mục"),
    (IndexCorruptError, "Chỉ mục bị hỏng, cần xây dựng lại"),
    (ModelMismatchError, "Chỉ mục được xây dựng bằng mô hình nhúng khác"),
    (InputError, "Không đọc được tệp"),
    (DuplicateArticleError, "Có hai bài báo trùng mã"),
    (QAError, "Không thực hiện được yêu cầu"),
)


def error_message(exc: Exception) -> str:
    """Vietnamese first, the error's own (English) text after; escaped, for the error pop-up."""
    if isinstance(exc, InputProblem):
        return esc(exc)
    if isinstance(exc, QAError):
        prefix = next(vi for kind, vi in _VIETNAMESE_ERRORS if isinstance(exc, kind))
        return f"{prefix} ({esc(exc)})"
    return "Đã xảy ra lỗi nội bộ; chi tiết đã được ghi vào nhật ký máy chủ (internal error, see the server log)."


@contextmanager
def user_errors(action: str) -> Iterator[None]:
    """Turn every failure inside into ``gr.Error``; ``action`` names it in the log line."""
    try:
        yield
    except gr.Error:
        raise
    except (InputProblem, QAError) as exc:
        LOG.warning("%s: %s", action, exc)
        raise gr.Error(error_message(exc), title="Lỗi (error)", print_exception=False) from None
    except Exception as exc:
        LOG.exception("%s failed", action)
        raise gr.Error(error_message(exc), title="Lỗi (error)", print_exception=False) from None
