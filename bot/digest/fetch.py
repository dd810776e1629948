"""HTTP fetching behind a small Protocol, so the pipeline can be fed from local servers or files in tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import aiohttp

from bot.digest.records import FetchResult

if TYPE_CHECKING:
    from bot.settings import DigestSettings

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


class FetchError(RuntimeError):
    """The URL could not be fetched; the message says why in words a moderator can act on."""


class Fetcher(Protocol):
    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...


def format_size(size: int) -> str:
    """8388608 -> "8 MB", 65536 -> "64 KB", 10 -> "10 bytes" (binary units, rounded down)."""
    if size >= 1024 * 1024:
        return f"{size // (1024 * 1024)} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def too_large(url: str, max_bytes: int) -> FetchError:
    return FetchError(f"{url}: page larger than {format_size(max_bytes)} "
                      "(the cap is digest.max_page_bytes in settings.yaml)")


class HttpFetcher:
    """aiohttp GET with conditional headers, a timeout and a size cap. One session per call: feeds are
    polled minutes apart, so there is nothing to gain from keeping connections open.

    The cap counts the body as delivered (after gzip/deflate decoding), so a small compressed response that
    inflates past it is refused too; the body is read chunk by chunk until it ends or passes the cap."""

    def __init__(self, user_agent: str, timeout_s: float = 20.0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._user_agent = user_agent
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings: DigestSettings) -> HttpFetcher:
        return cls(settings.user_agent, settings.fetch_timeout_s, settings.max_page_bytes)

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
                body = await self._read_body(url, response)
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

    async def _read_body(self, url: str, response: aiohttp.ClientResponse) -> bytes:
        # `content.read(n)` returns whatever one network chunk holds (64 KB here), not n bytes: read to the end.
        declared = response.content_length  # of the encoded body; without encoding it is the body's size
        if declared is not None and declared > self._max_bytes and not response.headers.get("Content-Encoding"):
            raise too_large(url, self._max_bytes)
        body = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            body += chunk
            if len(body) > self._max_bytes:
                raise too_large(url, self._max_bytes)
        return bytes(body)
