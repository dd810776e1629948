"""From a page, a text or a file to an Article: trafilatura (comments excluded) for HTML, then the cleaner."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from bot.digest.clean import Cleaner
from bot.digest.records import Article, CleanText

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


@dataclass(frozen=True, slots=True)
class Extraction:
    article: Article
    clean: CleanText


class ExtractionError(ValueError):
    """No article text could be found; the message names the input."""


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def decode(body: bytes, content_type: str | None = None) -> str:
    charset = None
    if content_type:
        match = re.search(r"charset=([\w-]+)", content_type, re.IGNORECASE)
        charset = match.group(1) if match else None
    for encoding in (charset, "utf-8", "cp1252"):
        if encoding:
            try:
                return body.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("utf-8", errors="replace")


class Extractor:
    """Blocking (trafilatura parses the whole page): call it from an executor in async code."""

    def __init__(self, cleaner: Cleaner | None = None) -> None:
        self._cleaner = cleaner or Cleaner()

    def extract_text(self, html: str, url: str | None = None) -> CleanText:
        """The cleaned body (and title) of a page; trafilatura alone then our cleaning."""
        return self.from_html(html, url).clean

    def from_html(self, html: str, url: str | None = None, source: str = "") -> Extraction:
        document = trafilatura.bare_extraction(
            html, url=url, include_comments=False, include_tables=False, with_metadata=True
        )
        data: dict[str, Any] = {}
        if document is not None:
            data = document if isinstance(document, dict) else document.as_dict()

        def field(name: str) -> str | None:
            value = data.get(name)
            return str(value).strip() or None if value else None

        text = field("text")
        if not text:
            raise ExtractionError(f"{url or source or 'page'}: no article text found")
        clean = self._cleaner.clean_text(text, title=field("title"))
        if not clean.paragraphs:
            raise ExtractionError(f"{url or source or 'page'}: nothing left after removing site furniture")
        article = Article(
            title=clean.title or url or source or "untitled",
            paragraphs=clean.paragraphs,
            url=field("url") or url,
            source=source or field("sitename") or field("hostname") or "",
            author=field("author"),
            published=_date(field("date")),
            image=field("image"),
            removed=clean.removed,
        )
        return Extraction(article, clean)

    def from_text(self, text: str, source: str = "", url: str | None = None) -> Article:
        title: str | None = None
        heading = re.match(r"\s*#\s+(.+)\n", text)  # Markdown: "# Title"
        if heading:
            title = heading.group(1).strip()
            text = text[heading.end() :]
        clean = self._cleaner.clean_text(text, title=title)
        if not clean.paragraphs:
            raise ExtractionError(f"{source or 'text'}: no article text found")
        return Article(
            title=clean.title or (clean.paragraphs[0][:80] if clean.paragraphs else source),
            paragraphs=clean.paragraphs,
            url=url,
            source=source,
            removed=clean.removed,
        )

    def from_file(self, path: Path) -> Article:
        suffix = path.suffix.lower()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ExtractionError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        text = decode(raw)
        if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and re.search(r"<html|<body|<p\b", text[:4096],
                                                                               re.IGNORECASE)):
            return self.from_html(text, source=path.name).article
        return self.from_text(text, source=path.name)

    def from_bytes(self, body: bytes, url: str, content_type: str | None = None) -> Article:
        text = decode(body, content_type)
        if content_type and "html" not in content_type.lower() and "xml" not in content_type.lower():
            return self.from_text(text, source=url, url=url)
        return self.from_html(text, url=url).article
