"""The first start, seen from the page: the server answers at once and says what it is preparing.

Rebuilding the embedding model, exporting the reader and indexing the sample take minutes on
a first start; doing them before serving left a visitor with no page at all. ``Preparation``
runs them in a background thread and reports the step and its progress, which the page polls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from qa.progress import reporting_to
from qa.web.escape import esc

LOG = logging.getLogger(__name__)
READY_LINE = "ready to answer (the sample collection is prepared)"


@dataclass(frozen=True)
class Step:
    label: str  # Vietnamese first, English in brackets
    run: Callable[[], object]


@dataclass(frozen=True)
class Status:
    ready: bool = False
    step: int = 0  # 1-based while running
    steps: int = 0
    label: str = ""
    done: int | None = None  # progress inside the step, when it has a loop
    total: int | None = None
    started: float = 0.0
    failed: str | None = None


class Preparation:
    """Runs the steps once, in order, in a background thread; ``status()`` may be read any time."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self._steps = tuple(steps)
        self._status = Status(steps=len(self._steps), started=time.monotonic())
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def status(self) -> Status:
        with self._lock:
            return self._status

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="prepare", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> Status:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status()

    def _set(self, **changes) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _heard(self, what: str, done: int, total: int | None) -> None:
        self._set(done=done, total=total)

    def _run(self) -> None:
        try:
            with reporting_to(self._heard):
                for number, step in enumerate(self._steps, start=1):
                    self._set(step=number, label=step.label, done=None, total=None)
                    step.run()
        except Exception as exc:  # shown on the page; the server keeps running for the other collections
            LOG.exception("preparing the sample collection failed")
            self._set(failed=str(exc) or type(exc).__name__)
            return
        self._set(ready=True, done=None, total=None)
        LOG.info("%s: %.0f s", READY_LINE, time.monotonic() - self._status.started)


def status_html(status: Status) -> str:
    """The waiting page: what is being prepared, how far it has come, and for how long."""
    if status.failed:
        return ('<div class="qa-preparing qa-failed" role="alert"><h2>Không chuẩn bị được bộ sưu tập mẫu '
                f"(preparing the sample collection failed)</h2><p>{esc(status.failed)}</p>"
                '<p class="qa-muted">Xem nhật ký máy chủ (see the server log).</p></div>')
    elapsed = int(time.monotonic() - status.started)
    fraction = ""
    if status.total:
        share = min(status.done or 0, status.total) / status.total
        fraction = (f'<progress max="100" value="{share * 100:.0f}" aria-label="tiến độ (progress)"></progress>'
                    f" {status.done}/{status.total}")
    return ('<div class="qa-preparing" role="status" aria-live="polite"><h2>Đang chuẩn bị mô hình và chỉ mục… '
            "(preparing the model and index…)</h2>"
            f"<p>Bước {status.step}/{status.steps} (step {status.step} of {status.steps}): {esc(status.label)}</p>"
            f'<p class="qa-progress-line">{fraction}</p>'
            f'<p class="qa-muted">Lần chạy đầu mất vài phút; các lần sau chỉ vài giây. Đã chờ {elapsed} giây. '
            f"(The first start takes a few minutes; later starts, seconds. Waiting {elapsed} s.)</p></div>")
