"""One way from a source to a cleaned Article: an http(s) URL, a local file path, `-` for stdin, or uploaded bytes.

Every expected failure is a FetchError (the page could not be fetched) or an ExtractionError (no article in
it, a binary file, a directory, no such file), with a one-line message naming the source. Extraction parses
whole pages, so it runs in the default executor, never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from bot.digest.extract import MAX_INPUT_BYTES, ExtractionError, Extractor, suffix_of
from bot.digest.fetch import Fetcher, FetchError
from bot.digest.records import Article

T = TypeVar("T")

STDIN_NAME = "stdin"


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


class ArticleSources:
    def __init__(self, fetcher: Fetcher, extractor: Extractor | None = None) -> None:
        self._fetcher = fetcher
        self._extractor = extractor or Extractor()

    async def load(self, source: str, *, stdin: TextIO | None = None) -> Article:
        """`source` is an http(s) URL, a path, or `-` for `stdin` (default: sys.stdin). Stdin and files are read
        as bytes: gzip is decompressed, binary input refused, and HTML recognised by its tags (files: by .html)."""
        try:
            if source == "-":
                return await self.from_stdin(sys.stdin if stdin is None else stdin)
            if is_url(source):
                return await self.from_url(source)
            if "://" in source:
                raise ExtractionError(f"{source}: only http(s) URLs can be fetched (give a local file as a path)")
            return await self.from_path(Path(source))
        except (FetchError, ExtractionError) as exc:
            text = " ".join(str(exc).split())
            if text == str(exc):
                raise
            raise type(exc)(text) from exc

    async def from_url(self, url: str) -> Article:
        page = await self._fetcher.fetch(url)
        return await self._run(self._extractor.from_bytes, page.body, page.url, page.content_type)

    async def from_path(self, path: Path) -> Article:
        return await self._run(self._extractor.from_file, path)

    async def from_stdin(self, stream: TextIO) -> Article:
        return await self._run(self._read_stdin, stream)

    async def from_bytes(self, data: bytes, name: str, content_type: str | None = None) -> Article:
        """An upload (a Discord attachment, say) called `name`; its suffix says text or HTML, as for files."""
        return await self._run(functools.partial(
            self._extractor.from_data, data, name, suffix=suffix_of(name), content_type=content_type))

    def _read_stdin(self, stream: TextIO) -> Article:
        binary = getattr(stream, "buffer", None)  # a real stdin: read bytes, so binary input is recognised
        try:
            raw = binary.read(MAX_INPUT_BYTES + 1) if binary is not None else stream.read().encode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExtractionError(f"{STDIN_NAME}: cannot read: {exc}") from exc
        if len(raw) > MAX_INPUT_BYTES:
            raise ExtractionError(f"{STDIN_NAME}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
        return self._extractor.from_data(raw, STDIN_NAME)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)
