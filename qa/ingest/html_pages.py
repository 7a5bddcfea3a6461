"""Saved news pages (.html, .htm): the headline, publication date and body, found by trafilatura.

A news page is mostly not the article: site menus, breadcrumbs, share buttons, photo
captions, related links and footers surround it, laid out differently on every site.
trafilatura finds the main text among them without site-specific rules, and its metadata
step (htmldate for the date) reads the headline, date and canonical URL where pages state
them. Only what the article says is kept, so that answers and citations never quote a menu.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import trafilatura

HTML_SUFFIXES = (".html", ".htm")

# trafilatura logs its own warnings and errors for a page it finds no text in ("discarding
# data: None"); the loader reports that page once, naming the file, so they would only repeat it.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class HtmlPage:
    title: str
    date: str | None  # YYYY-MM-DD, only when the page states one
    paragraphs: tuple[str, ...]
    url: str | None

    @property
    def text(self) -> str:
        """Paragraphs separated by a blank line, as in the project's seed articles."""
        return "\n\n".join(self.paragraphs)


def read_html_page(html: str) -> HtmlPage:
    """The article of one saved page; ``ValueError`` when the page holds no article text.

    Precision is favoured over recall: a page without an article (a section front, a login
    form) then gives nothing instead of its menu, and a short aside is sooner dropped than a
    menu kept.
    """
    document = trafilatura.bare_extraction(
        html, with_metadata=True, favor_precision=True, include_comments=False, include_images=False,
        date_extraction_params=_date_search(extensive=False),
    )
    paragraphs = tuple(line.strip() for line in (document.text if document else "").split("\n") if line.strip())
    if not paragraphs:
        raise ValueError("no article text found in the page (a section front, a login or an empty page?)")
    return HtmlPage(
        title=document.title or "",
        date=document.date or _date_from_visible_text(html),
        paragraphs=paragraphs,
        url=document.url if (document.url or "").startswith(("http://", "https://")) else None,
    )


def _date_search(*, extensive: bool) -> dict[str, object]:
    """htmldate's settings: the original publication date, never one after today."""
    return {"original_date": True, "extensive_search": extensive, "max_date": date.today().isoformat()}


def _date_from_visible_text(html: str) -> str | None:
    """A date only written in the page's text ("14/10/2023 09:35 GMT+7"), read day first.

    The quick search above reads meta tags, structured data and time elements. htmldate's
    extensive search reads the text too, but when it finds no whole date it makes one up: the
    1st of a month it found, or January 1 of the footer's copyright year, even over an older
    date the page does state. A date it reports on the 1st is therefore not taken: an undated
    article is better than a wrongly dated one, which date filters and relative dates
    ("Chiều 6.5") would then trust. What it cannot tell apart: another whole date in the
    text, such as a header clock showing the day the page was saved, may win over the
    article's; pages that state their date in meta tags (most news sites) never get here.
    """
    found = trafilatura.extract_metadata(html, date_config=_date_search(extensive=True)).date
    return found if found and not found.endswith("-01") else None
