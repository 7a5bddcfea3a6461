"""Logs: one line per warning or error, tracebacks only when asked for, none in the page."""

from __future__ import annotations

import io
import logging
import warnings

import gradio as gr
import pytest

from qa.logs import OneLineFormatter, configure_logging
from qa.web.errors import user_errors


@pytest.fixture
def log_stream():
    """The root logger configured as the app does it, restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(level=logging.INFO, stream=stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    logging.captureWarnings(False)


def _record(message: str, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("qa.test", logging.ERROR, __file__, 1, message, (), exc_info)


def test_a_message_with_line_breaks_is_one_line():
    line = OneLineFormatter().format(_record("first\n\n  second\r\nthird  "))
    assert "\n" not in line and line.endswith("ERROR qa.test: first | second | third")


def test_an_exception_is_its_type_and_message_unless_tracebacks_are_asked_for():
    try:
        raise RuntimeError("disk full\nwhile writing")
    except RuntimeError:
        record = _record("saving failed", exc_info=__import__("sys").exc_info())
    line = OneLineFormatter().format(record)
    assert "\n" not in line and line.endswith("saving failed (RuntimeError: disk full | while writing)")
    verbose = OneLineFormatter(tracebacks=True).format(record)
    assert "Traceback (most recent call last)" in verbose and verbose.splitlines()[0].endswith("saving failed")


def test_library_warnings_and_python_warnings_come_out_as_one_line_each(log_stream):
    logging.getLogger("qa.index").warning("rebuilding the sample index: %s", "index x: chunks.npy is missing;\nrebuild it")
    warnings.warn("a deprecated thing\nused here", UserWarning, stacklevel=1)
    lines = log_stream.getvalue().splitlines()
    assert len(lines) == 2
    assert " WARNING qa.index: rebuilding the sample index: index x: chunks.npy is missing; | rebuild it" in lines[0]
    assert " WARNING py.warnings: " in lines[1] and "UserWarning: a deprecated thing | used here" in lines[1]


def test_an_internal_error_in_the_page_is_one_log_line_and_a_plain_message(log_stream):
    with pytest.raises(gr.Error) as raised, user_errors("answering"):
        raise KeyError("secret internals")
    (line,) = log_stream.getvalue().splitlines()
    assert line.endswith("ERROR qa.web.errors: answering failed (KeyError: 'secret internals')")
    assert "secret" not in raised.value.message and "Traceback" not in raised.value.message


def test_the_command_line_reports_a_bug_of_ours_in_one_line_and_a_traceback_only_with_v(monkeypatch, capsys):
    from qa import cli

    def broken(args):
        raise RuntimeError("index row 7 out of range\nin chunk table")

    monkeypatch.setattr(cli, "_corpus_stats", broken)  # the parser binds handlers when it is built
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        assert cli.main(["corpus", "stats", "x"]) == 2
        err = capsys.readouterr().err.strip()
        assert err == ("qa: internal error: RuntimeError: index row 7 out of range | in chunk table "
                       "(run with -v for the traceback)")
        with pytest.raises(RuntimeError):
            cli.main(["-v", "corpus", "stats", "x"])
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        logging.captureWarnings(False)
