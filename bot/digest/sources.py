"""Source -> Article: an http(s) URL, a local file, standard input or an uploaded file, extracted and cleaned.
The one place the CLI (`extract`, `summarize`), `/article post` and the digest service turn a source into text.
Extraction is blocking (trafilatura, lxml): it runs in an executor, off the event loop."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.digest.extract import ExtractionError, Extractor, decode
from bot.digest.fetch import Fetcher
from bot.digest.records import Article

HTML_SUFFIXES = (".html", ".htm")


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


class ArticleSources:
    def __init__(self, fetcher: Fetcher, extractor: Extractor | None = None) -> None:
        self._fetcher = fetcher
        self._extractor = extractor or Extractor()

    async def load(self, source: str, *, stdin: TextIO | None = None) -> Article:
        """PATH, http(s) URL or `-` (standard input). Raises ExtractionError or FetchError, one line each."""
        if source == "-":
            text = (stdin or sys.stdin).read()
            return await self._off_loop(lambda: self._extractor.from_text(text, source="stdin"))
        if is_url(source):
            return await self.from_url(source)
        return await self._off_loop(lambda: self._from_path(Path(source)))

    def _from_path(self, path: Path) -> Article:
        if path.is_dir():
            raise ExtractionError(f"{path} is a directory: give a file, an http(s) URL, or - for stdin")
        if not path.is_file():
            raise ExtractionError(f"{path}: no such file (give a path, an http(s) URL, or - for stdin)")
        return self._extractor.from_file(path)

    async def from_url(self, url: str) -> Article:
        if not is_url(url):
            raise ExtractionError(f"{url!r} is not an http(s) URL")
        page = await self._fetcher.fetch(url)
        return await self._off_loop(lambda: self._extractor.from_bytes(page.body, page.url, page.content_type))

    async def from_upload(self, filename: str, body: bytes, content_type: str | None = None) -> Article:
        """A file attached to a slash command."""
        text = decode(body, content_type)
        if filename.lower().endswith(HTML_SUFFIXES):
            return await self._off_loop(lambda: self._extractor.from_html(text, source=filename).article)
        return await self._off_loop(lambda: self._extractor.from_text(text, source=filename))

    @staticmethod
    async def _off_loop(work: Callable[[], Article]) -> Article:
        return await asyncio.get_running_loop().run_in_executor(None, work)
