"""Domain errors, raised anywhere in the package and translated only at the edges.

The CLI prints one line per error and exits non-zero; the Gradio app shows ``gr.Error``.
Every error carries enough context (file and line, or field) for a user to act on it.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class for every error this package raises on purpose."""


class InputError(QAError):
    """An input file or record cannot be read as an article.

    ``location`` names the file and, where it applies, the line ("data.jsonl:12").
    """

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(f"{location}: {problem}")
        self.location = location
        self.problem = problem


class DuplicateArticleError(QAError):
    """Two different articles claim the same id.

    Like ``InputError`` it names where the second one was read (``location``) and what is wrong
    with it (``problem``), so a load that skips bad records reports it the same way.
    """

    def __init__(self, article_id: str, first: str, second: str) -> None:
        super().__init__(f"duplicate article id {article_id!r} in {first} and {second}")
        self.location = second
        self.problem = f"id {article_id!r} already used by {first}"


class ModelFormatError(QAError):
    """A bundled model file is not in the format we know how to read."""


class SettingError(QAError):
    """An option or environment variable has a value the package cannot use; it names which."""


class ModelMismatchError(QAError):
    """An index was built with a different embedding model than the one asked for."""


class IndexNotFoundError(QAError):
    """No index exists under the name or path given."""


class IndexCorruptError(QAError):
    """An index on disk is incomplete or damaged; the message says how to rebuild it."""


class UnknownArticleError(QAError):
    """An article id was named that the index does not hold."""
