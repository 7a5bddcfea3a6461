"""Logging for the web app and the command line: every record on one line.

A warning or an error should be one line a person can read in a terminal and find with grep
in a server log: the message with its line breaks folded, and an exception reduced to its type
and message. Full tracebacks are for a developer who asks for them (``tracebacks=True``, the
``--verbose`` flags); a user of the page never sees one either way (``qa.web.errors.user_errors``).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def one_line(text: str) -> str:
    return " | ".join(part.strip() for part in str(text).splitlines() if part.strip())


class OneLineFormatter(logging.Formatter):
    """``time LEVEL logger: message (ExceptionType: message)``, on one line."""

    def __init__(self, *, tracebacks: bool = False) -> None:
        super().__init__(FORMAT, datefmt=DATE_FORMAT)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        if record.exc_info and record.exc_info[0] is not None:
            kind, value, _ = record.exc_info
            if self.tracebacks:
                return f"{line}\n{self.formatException(record.exc_info)}"
            line += f" ({kind.__name__}: {one_line(value)})" if str(value) else f" ({kind.__name__})"
        return line


def configure_logging(*, level: int = logging.WARNING, tracebacks: bool = False, stream: TextIO | None = None) -> None:
    """Send every logger (ours, the libraries', Python warnings) through one one-line handler."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter(tracebacks=tracebacks))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(False)  # re-install: a hook saved by an earlier call may since have been replaced
    logging.captureWarnings(True)
