from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from aiohttp import web

from bot.digest.extract import Extractor
from bot.digest.fetch import FetchError, HttpFetcher, format_size
from bot.settings import DigestSettings
from tests.digest.conftest import LocalSite, PagesSite
from tests.digest.samples import shared_pages


async def test_fetch_returns_body_and_validators(site: LocalSite) -> None:
    site.serve("/page", "<p>hello</p>", "text/html", etag='"abc"')
    result = await HttpFetcher("modbot-test").fetch(f"{site.base}/page")
    assert (result.status, result.body, result.etag) == (200, b"<p>hello</p>", '"abc"')
    assert result.content_type is not None and result.content_type.startswith("text/html")
    unchanged = await HttpFetcher("modbot-test").fetch(f"{site.base}/page", etag='"abc"')
    assert unchanged.not_modified and unchanged.body == b""


async def test_errors_are_clear(site: LocalSite) -> None:
    fetcher = HttpFetcher("modbot-test", max_bytes=10)
    with pytest.raises(FetchError, match="HTTP 404"):
        await fetcher.fetch(f"{site.base}/missing")
    site.serve("/big", "x" * 100, "text/plain")
    with pytest.raises(FetchError, match="larger than 10 bytes"):
        await fetcher.fetch(f"{site.base}/big")
    with pytest.raises(FetchError, match="only http and https"):
        await fetcher.fetch("file:///etc/passwd")


# -- real pages from ../shared, whole, however they are sent ----------------------------------------------

PAGES = shared_pages()
needs_pages = pytest.mark.skipif(not PAGES, reason="../shared/data/extraction/html is absent")


def _spread(pages: list[Path], count: int) -> list[Path]:
    """`count` pages from smallest to largest (the largest always included)."""
    step = max(1, len(pages) // count)
    return sorted({*pages[::step][: count - 1], pages[-1]}) if pages else []


@needs_pages
@pytest.mark.parametrize("mode", ["plain", "gzip", "chunked", "chunked-gzip"])
async def test_real_pages_come_back_whole(pages_site: PagesSite, mode: str) -> None:
    fetcher = HttpFetcher("modbot-test", timeout_s=10)
    pages = _spread(PAGES, 12)
    assert sum(len(gzip.decompress(page.read_bytes())) > 64 * 1024 for page in pages) >= 8
    for page in pages:
        expected = gzip.decompress(page.read_bytes())
        result = await fetcher.fetch(pages_site.url(mode, page))
        assert (result.status, len(result.body)) == (200, len(expected)), page.name
        assert result.body == expected, page.name


@needs_pages
@pytest.mark.parametrize("mode", ["plain", "chunked-gzip"])
async def test_extract_over_http_equals_extract_from_disk(pages_site: PagesSite, mode: str) -> None:
    extractor = Extractor()
    fetcher = HttpFetcher("modbot-test", timeout_s=10)
    for page in (PAGES[-1], PAGES[len(PAGES) // 2]):  # the largest (over 1 MB) and a middling one
        result = await fetcher.fetch(pages_site.url(mode, page))
        over_http = extractor.from_bytes(result.body, result.url, result.content_type)
        from_disk = extractor.from_file(page)
        assert over_http.paragraphs == from_disk.paragraphs, page.name
        assert over_http.title == from_disk.title
        assert len(over_http.body) > 500


@needs_pages
@pytest.mark.parametrize("mode", ["plain", "gzip", "chunked", "chunked-gzip"])
async def test_a_page_over_the_cap_says_so_in_one_line(pages_site: PagesSite, mode: str) -> None:
    page = PAGES[-1]
    size = len(gzip.decompress(page.read_bytes()))
    fetcher = HttpFetcher("modbot-test", max_bytes=size - 1)
    url = pages_site.url(mode, page)
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    message = str(caught.value)
    assert message == f"{url}: page larger than {format_size(size - 1)} (the cap is digest.max_page_bytes in " \
                      "settings.yaml)"
    assert "\n" not in message
    exact = await HttpFetcher("modbot-test", max_bytes=size).fetch(url)  # a page of exactly the cap is fine
    assert len(exact.body) == size


async def test_a_small_gzip_response_that_inflates_past_the_cap_is_refused() -> None:
    inflated = b"<p>" + b"a" * (3 * 1024 * 1024) + b"</p>"

    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=gzip.compress(inflated), headers={"Content-Encoding": "gzip",
                                                                   "Content-Type": "text/html"})

    app = web.Application()
    app.router.add_get("/bomb", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/bomb"
        assert len(gzip.compress(inflated)) < 64 * 1024
        with pytest.raises(FetchError, match=r"page larger than 1 MB \(the cap is digest.max_page_bytes"):
            await HttpFetcher("modbot-test", max_bytes=1024 * 1024).fetch(url)
        whole = await HttpFetcher("modbot-test", max_bytes=4 * 1024 * 1024).fetch(url)
        assert whole.body == inflated
    finally:
        await runner.cleanup()


def test_the_fetcher_takes_its_cap_from_the_settings() -> None:
    settings = DigestSettings(max_page_bytes=2 * 1024 * 1024, fetch_timeout_s=3)
    fetcher = HttpFetcher.from_settings(settings)
    assert fetcher._max_bytes == 2 * 1024 * 1024
    assert format_size(DigestSettings().max_page_bytes) == "8 MB"
