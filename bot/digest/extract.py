"""From a page, a text or a file to an Article: trafilatura (comments excluded) for HTML, then the cleaner."""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from bot.digest.clean import Cleaner
from bot.digest.records import Article, CleanText

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
GZIP_SUFFIXES = frozenset({".gz", ".gzip"})
MAX_INPUT_BYTES = 32 * 1024 * 1024  # a file, or a decompressed .gz
GZIP_MAGIC = b"\x1f\x8b"
_MAGIC = (
    (GZIP_MAGIC, "gzip data inside gzip data"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx, .odt or .epub document)"),
    (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data (decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)
_SAMPLE_BYTES = 64 * 1024
_TEXT_BYTES = bytes([9, 10, 11, 12, 13, 27, *range(32, 256)])  # what text may hold; the other C0 bytes are binary


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
    bom = "utf-16" if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else None
    for encoding in (bom, charset, "utf-8-sig", "cp1252"):
        if encoding:
            try:
                return body.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("utf-8", errors="replace")


def gunzip(data: bytes, name: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The content of gzip `data` (all members), at most `limit` bytes; ExtractionError when damaged or larger."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ExtractionError(f"{name}: damaged gzip data ({exc or type(exc).__name__})") from exc
    if len(content) > limit:
        raise ExtractionError(f"{name}: larger than {limit // (1024 * 1024)} MB once decompressed")
    return content


def binary_kind(data: bytes) -> str | None:
    """What binary `data` is ("a PDF document", "binary data"), or None when it reads as text."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    sample = data[:_SAMPLE_BYTES]
    if b"\0" in sample:
        return "binary data"
    controls = len(sample.translate(None, _TEXT_BYTES))
    return "binary data" if controls > len(sample) // 100 else None


def readable(raw: bytes, name: str) -> bytes:
    """`raw` as text bytes: gzip is decompressed (so `page.html.gz` reads like `page.html`); binary content
    (NUL or many control bytes, a PDF, an image, an archive) raises ExtractionError naming `name`."""
    data = gunzip(raw, name) if raw.startswith(GZIP_MAGIC) else raw
    kind = binary_kind(data)
    if kind is not None:
        raise ExtractionError(f"{name}: {kind}, not text or HTML (give an article page, or a .txt, .md or .html "
                              "file; .gz files are decompressed)")
    return data


def suffix_of(name: str) -> str:
    """The suffix that says what a file holds: `.html` for `page.html` and for `page.html.gz`."""
    path = Path(name)
    suffix = path.suffix.lower()
    return Path(path.stem).suffix.lower() if suffix in GZIP_SUFFIXES else suffix


def _looks_like_html(text: str) -> bool:
    return re.search(r"<html|<body|<p\b", text[:4096], re.IGNORECASE) is not None


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
        """A .txt/.md/.html file (or one of those gzip-compressed, like `page.html.gz`); other names are read as
        HTML when they look like it, else as text. Directories, binary files and unreadable files raise
        ExtractionError with a one-line message."""
        try:
            if path.is_dir():
                raise ExtractionError(f"{path} is a directory (give a file, an http(s) URL, or - for stdin)")
            size = path.stat().st_size
            if size > MAX_INPUT_BYTES:
                raise ExtractionError(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise ExtractionError(f"{path}: no such file (give a path, an http(s) URL, or - for stdin)") from exc
        except OSError as exc:
            raise ExtractionError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        return self.from_data(raw, str(path), suffix=suffix_of(path.name), source=path.name)

    def from_data(
        self, raw: bytes, name: str, *, suffix: str = "", content_type: str | None = None, source: str | None = None
    ) -> Article:
        """Bytes from a file, stdin or an upload called `name`: decompressed when gzip, refused when binary;
        HTML when `suffix` says so (or, for other suffixes, when it looks like HTML), else text."""
        text = decode(readable(raw, name), content_type)
        source = name if source is None else source
        if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
            return self.from_html(text, source=source).article
        return self.from_text(text, source=source)

    def from_bytes(self, body: bytes, url: str, content_type: str | None = None) -> Article:
        """A fetched page: HTML unless the Content-Type says otherwise; binary bodies raise ExtractionError."""
        text = decode(readable(body, url), content_type)
        kind = (content_type or "").split(";")[0].strip().lower()
        if kind and "html" not in kind and "xml" not in kind and not (kind == "application/octet-stream"
                                                                     and _looks_like_html(text)):
            return self.from_text(text, source=url, url=url)
        return self.from_html(text, url=url).article
