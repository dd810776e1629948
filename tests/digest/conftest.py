"""Fixtures for the digest: the committed sample files, and a loopback HTTP server that serves them."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from tests.digest.samples import FIXTURES, SHARED_HTML


@dataclass
class SiteRoutes:
    """What the local site serves: path -> (body, content type). Tests change it between polls."""

    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, If-None-Match)


@dataclass
class LocalSite:
    base: str
    routes: SiteRoutes

    def serve(self, path: str, body: bytes | str, content_type: str = "text/html", etag: str | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes.pages[path] = (data.replace(b"{base}", self.base.encode()), content_type)
        if etag:
            self.routes.etags[path] = etag

    def serve_fixture(self, path: str, name: str, content_type: str, etag: str | None = None) -> None:
        self.serve(path, (FIXTURES / name).read_bytes(), content_type, etag)


@contextlib.asynccontextmanager
async def loopback(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port for the block; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def site() -> AsyncIterator[LocalSite]:
    routes = SiteRoutes()

    async def handle(request: web.Request) -> web.StreamResponse:
        routes.requests.append((request.path, request.headers.get("If-None-Match")))
        if request.path in routes.failing:
            return web.Response(status=503, text="down for maintenance")
        if request.path not in routes.pages:
            return web.Response(status=404, text="not found")
        etag = routes.etags.get(request.path)
        if etag and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        body, content_type = routes.pages[request.path]
        headers = {"ETag": etag} if etag else {}
        return web.Response(body=body, content_type=content_type, charset="utf-8", headers=headers)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    async with loopback(app) as base:
        yield LocalSite(base, routes)


@dataclass
class PagesSite:
    """Serves the real pages of ../shared/data/extraction/html: /{mode}/{file name}, where mode is
    `plain` (Content-Length), `gzip` (the .gz bytes as Content-Encoding: gzip), `chunked` (chunked transfer in
    8 KB pieces, written one by one) or `chunked-gzip` (both)."""

    base: str

    def url(self, mode: str, page: Path) -> str:
        return f"{self.base}/{mode}/{page.name}"


async def _serve_page(request: web.Request) -> web.StreamResponse:
    mode, name = request.match_info["mode"], request.match_info["name"]
    path = SHARED_HTML / name
    if "/" in name or not path.is_file():
        return web.Response(status=404, text="not found")
    compressed = path.read_bytes()
    encoded = mode.endswith("gzip")
    body = compressed if encoded else gzip.decompress(compressed)
    headers = {"Content-Encoding": "gzip"} if encoded else {}
    if not mode.startswith("chunked"):
        return web.Response(body=body, content_type="text/html", charset="utf-8", headers=headers)
    response = web.StreamResponse(headers={**headers, "Content-Type": "text/html; charset=utf-8"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(body), 8192):
        await response.write(body[start : start + 8192])
        await asyncio.sleep(0)
    await response.write_eof()
    return response


@pytest.fixture
async def pages_site() -> AsyncIterator[PagesSite]:
    if not SHARED_HTML.is_dir():
        pytest.skip("../shared/data/extraction/html is absent")
    app = web.Application()
    app.router.add_route("GET", "/{mode}/{name}", _serve_page)
    async with loopback(app) as base:
        yield PagesSite(base)
