"""ArticleSources: a URL (loopback server), a path (real files), `-` (stdin) or an upload, to one Article."""

from __future__ import annotations

import gzip
import io
import random
import shutil
import socket
import threading
from pathlib import Path

import pytest

from bot.digest.extract import ExtractionError, Extractor
from bot.digest.fetch import FetchError, HttpFetcher
from bot.digest.records import Article, FetchResult
from bot.digest.sources import ArticleSources
from tests.digest.conftest import LocalSite, PagesSite
from tests.digest.samples import FIXTURES, shared_pages

PAGES = shared_pages()
TITLE = "Harbour council approves new ferry link"


class RecordingExtractor(Extractor):
    """The real Extractor, noting which threads it ran on (it must not run on the event loop's)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def from_bytes(self, body: bytes, url: str, content_type: str | None = None) -> Article:
        self.threads.append(threading.get_ident())
        return super().from_bytes(body, url, content_type)

    def from_file(self, path: Path) -> Article:
        self.threads.append(threading.get_ident())
        return super().from_file(path)


def _sources(extractor: Extractor | None = None) -> ArticleSources:
    return ArticleSources(HttpFetcher("modbot-test", timeout_s=10), extractor or Extractor())


def _stdin(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


async def test_a_url_a_path_and_stdin_give_the_same_article(site: LocalSite, tmp_path: Path) -> None:
    site.serve_fixture("/story", "article.html", "text/html")
    extractor = RecordingExtractor()
    sources = _sources(extractor)
    by_url = await sources.load(f"{site.base}/story")
    by_path = await sources.load(str(FIXTURES / "article.html"))
    by_stdin = await sources.load("-", stdin=_stdin((FIXTURES / "article.html").read_bytes()))
    assert by_url.title == by_path.title == by_stdin.title == TITLE
    assert by_url.paragraphs == by_path.paragraphs == by_stdin.paragraphs
    assert by_url.url == f"{site.base}/story"
    assert (by_path.source, by_stdin.source) == ("article.html", "stdin")
    assert extractor.threads and threading.get_ident() not in extractor.threads


@pytest.mark.skipif(not PAGES, reason="../shared/data/extraction/html is absent")
async def test_a_real_page_over_http_and_as_a_gz_file(pages_site: PagesSite, tmp_path: Path) -> None:
    page = PAGES[-1]
    copy = tmp_path / page.name
    shutil.copyfile(page, copy)
    sources = _sources()
    over_http = await sources.from_url(pages_site.url("chunked-gzip", page))
    from_file = await sources.load(str(copy))
    from_stdin = await sources.load("-", stdin=_stdin(page.read_bytes()))  # `modbot extract - < page.html.gz`
    assert len(over_http.body) > 500
    assert over_http.paragraphs == from_file.paragraphs == from_stdin.paragraphs


async def test_plain_text_on_stdin_and_from_a_text_stream() -> None:
    text = (FIXTURES / "furniture.txt").read_text(encoding="utf-8")
    sources = _sources()
    from_bytes = await sources.load("-", stdin=_stdin(text.encode()))
    from_text = await sources.load("-", stdin=io.StringIO(text))  # a stream without .buffer
    assert from_bytes.title == from_text.title == "Harbour council approves new ferry link after years of delays"
    assert from_bytes.paragraphs == from_text.paragraphs
    assert not any("Patreon" in p for p in from_bytes.paragraphs)


async def test_uploaded_bytes_follow_their_file_name() -> None:
    html = (FIXTURES / "article.html").read_bytes()
    sources = _sources()
    assert (await sources.from_bytes(html, "story.html", "text/html")).title == TITLE
    assert (await sources.from_bytes(gzip.compress(html), "story.html.gz")).title == TITLE
    with pytest.raises(ExtractionError, match=r"^photo\.txt: binary data"):
        await sources.from_bytes(random.Random(3).randbytes(4000), "photo.txt")


async def test_every_failure_is_one_line_naming_the_source(site: LocalSite, tmp_path: Path) -> None:
    sources = _sources()
    binary = tmp_path / "noise.txt"
    binary.write_bytes(random.Random(5).randbytes(10_000))
    site.serve("/empty", "<html><body><nav>Home</nav></body></html>")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    cases: list[tuple[str, type[Exception], str]] = [
        (str(tmp_path), ExtractionError, f"{tmp_path} is a directory"),
        (str(tmp_path / "missing.md"), ExtractionError, f"{tmp_path / 'missing.md'}: no such file"),
        (str(binary), ExtractionError, f"{binary}: binary data, not text or HTML"),
        ("file:///etc/hostname", ExtractionError, "file:///etc/hostname: only http(s) URLs can be fetched"),
        (f"{site.base}/missing", FetchError, f"{site.base}/missing: HTTP 404 Not Found"),
        (f"{site.base}/empty", ExtractionError, f"{site.base}/empty: nothing left after removing site furniture"),
        (f"http://127.0.0.1:{closed}/x", FetchError, f"http://127.0.0.1:{closed}/x: ClientConnectorError"),
    ]
    for source, kind, start in cases:
        with pytest.raises(kind) as caught:
            await sources.load(source)
        message = str(caught.value)
        assert message.startswith(start), (source, message)
        assert "\n" not in message
    with pytest.raises(ExtractionError, match=r"^stdin: binary data"):
        await sources.load("-", stdin=_stdin(random.Random(9).randbytes(3000)))


class MultiLineFetcher:
    """A Fetcher whose error spans lines (as some library messages do): the source joins it into one."""

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        raise FetchError(f"{url}: refused\n  by the proxy\n")


async def test_a_multi_line_error_becomes_one_line() -> None:
    with pytest.raises(FetchError) as caught:
        await ArticleSources(MultiLineFetcher()).load("https://news.example/a")
    assert str(caught.value) == "https://news.example/a: refused by the proxy"
