"""HTTP fetching behind a small Protocol, so the pipeline can be fed from local servers or files in tests."""

from __future__ import annotations

from typing import Protocol

import aiohttp

from bot.digest.records import FetchResult

DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class FetchError(RuntimeError):
    """The URL could not be fetched; the message says why in words a moderator can act on."""


class Fetcher(Protocol):
    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...


class HttpFetcher:
    """aiohttp GET with conditional headers, a timeout and a size cap. One session per call: feeds are
    polled minutes apart, so there is nothing to gain from keeping connections open."""

    def __init__(self, user_agent: str, timeout_s: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._user_agent = user_agent
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_bytes = max_bytes

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        if not url.lower().startswith(("http://", "https://")):
            raise FetchError(f"{url}: only http and https URLs can be fetched")
        headers = {"User-Agent": self._user_agent, "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout, headers=headers) as session,
                session.get(url, allow_redirects=True) as response,
            ):
                if response.status == 304:
                    return FetchResult(url=str(response.url), status=304, etag=etag, last_modified=last_modified)
                if response.status >= 400:
                    raise FetchError(f"{url}: HTTP {response.status} {response.reason or ''}".strip())
                body = await response.content.read(self._max_bytes + 1)
                if len(body) > self._max_bytes:
                    raise FetchError(f"{url}: response larger than {self._max_bytes} bytes")
                return FetchResult(
                    url=str(response.url),
                    status=response.status,
                    body=body,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    content_type=response.headers.get("Content-Type"),
                )
        except TimeoutError as exc:
            raise FetchError(f"{url}: timed out") from exc
        except aiohttp.ClientError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
