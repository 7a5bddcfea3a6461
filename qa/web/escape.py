"""Text from articles and questions made safe to show: an article holding ``<script>`` or
``**bold**`` must appear exactly as written, never as markup the page would act on."""

from __future__ import annotations

import html
import re

# HTML specials and the characters that make Markdown markup anywhere in a line (emphasis, links,
# images, code, tables, LaTeX), as numeric references: Markdown shows them as plain characters.
_MARKDOWN_TEXT = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#|~$@"}
_LINE_START = re.compile(r"^(?:[-+=]|\d+[.)])")  # list and heading markers that only count first


def esc(text: object) -> str:
    """Text for HTML, quotes included (safe inside attribute values too)."""
    return html.escape(str(text), quote=True)


def md_text(text: object) -> str:
    """Text for a Markdown message: shown exactly as typed, never as markup, on one line."""
    line = " ".join(str(text).split()).translate(_MARKDOWN_TEXT)
    line = _LINE_START.sub(lambda m: m.group()[:-1] + f"&#{ord(m.group()[-1])};", line)
    line = line.replace("://", "&#58;//")  # no bare-URL autolinks
    return re.sub(r"(?i)\b(www)\.", r"\1&#46;", line)
