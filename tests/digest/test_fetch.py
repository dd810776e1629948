from __future__ import annotations

import pytest

from bot.digest.fetch import FetchError, HttpFetcher
from tests.digest.conftest import LocalSite


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
