"""The HTTP layer (aiohttp.web): routes, Perspective's error shape for every failure, size caps, metrics."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.records import ModelInfo
from bot.serve.discovery import VERSION, discovery_document
from bot.serve.errors import ApiError, invalid
from bot.serve.metrics import CONTENT_TYPE
from bot.serve.service import PerspectiveService

log = logging.getLogger(__name__)

SERVICE_KEY: web.AppKey[PerspectiveService] = web.AppKey("perspective_service", PerspectiveService)
MODEL_HEADER = "X-Modbot-Model"
MODEL_VERSION_HEADER = "X-Modbot-Model-Version"
FALLBACK_HEADER = "X-Modbot-Model-Fallback"
_UNSAFE_HEADER = re.compile(r"[^\x20-\x7e]")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def model_headers(model: ModelInfo) -> dict[str, str]:
    """The model that scored, in response headers; `Fallback: true` whenever it is not the configured model."""
    return {
        MODEL_HEADER: _UNSAFE_HEADER.sub("?", model.name)[:200],
        MODEL_VERSION_HEADER: _UNSAFE_HEADER.sub("?", model.version)[:200],
        FALLBACK_HEADER: "true" if model.fallback else "false",
    }


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.code, headers=error.headers)


def _method_name(request: web.Request) -> str:
    route = request.match_info.route
    return route.name or "unknown"


@web.middleware
async def _errors_and_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    service = request.app[SERVICE_KEY]
    started = time.perf_counter()
    try:
        limit = service.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise ApiError(413, f"Request body too large: {request.content_length} bytes; the maximum is "
                                f"{limit} bytes.", "INVALID_ARGUMENT")
        response = await handler(request)
    except ApiError as exc:
        response = _error_response(exc)
    except web.HTTPRequestEntityTooLarge:
        response = _error_response(ApiError(
            413, f"Request body too large; the maximum is {service.settings.max_body_bytes} bytes.",
            "INVALID_ARGUMENT"))
    except web.HTTPMethodNotAllowed as exc:
        response = _error_response(ApiError(405, f"Method {request.method} is not allowed here "
                                                 f"(allowed: {', '.join(sorted(exc.allowed_methods))}).",
                                            "INVALID_ARGUMENT", {"Allow": ",".join(sorted(exc.allowed_methods))}))
    except web.HTTPNotFound:
        response = _error_response(ApiError(404, f"No such method: {request.method} {request.path}.", "NOT_FOUND"))
    except Exception:
        log.exception("serve internal error path=%s", request.path)
        response = _error_response(ApiError(500, "Internal error.", "INTERNAL"))
    method = _method_name(request)
    service.metrics.requests.labels(method, str(response.status)).inc()
    service.metrics.latency.labels(method).observe(time.perf_counter() - started)
    return response


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()  # raises HTTPRequestEntityTooLarge past client_max_size
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid(f"Invalid JSON payload received: {exc}.") from exc


def _key(request: web.Request) -> str | None:
    return request.query.get("key") or request.headers.get("X-Goog-Api-Key")


async def _analyze(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    key = _key(request)
    service.keys.authenticate(key)  # the key is checked before the body is read
    answer = await service.analyze(key, await _json_body(request))
    headers = model_headers(answer.model) if answer.model is not None else {}
    return web.json_response(answer.body, headers=headers)


async def _suggest(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    key = _key(request)
    service.keys.authenticate(key)
    answer = await service.suggest(key, await _json_body(request))
    return web.json_response(answer.body)


async def _discovery(request: web.Request) -> web.Response:
    version = request.query.get("version", request.match_info.get("version", VERSION))
    if version != VERSION:
        raise ApiError(404, f"Discovery document not found for API service: commentanalyzer {version}.",
                       "NOT_FOUND")
    root = f"{request.scheme}://{request.host}/"
    return web.json_response(discovery_document(root))


async def _healthz(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    return web.json_response(service.health(), headers=model_headers(service.scorer.model))


async def _metrics(request: web.Request) -> web.Response:
    service = request.app[SERVICE_KEY]
    return web.Response(body=service.metrics.render(), headers={"Content-Type": CONTENT_TYPE})


def build_app(service: PerspectiveService) -> web.Application:
    app = web.Application(middlewares=[_errors_and_metrics], client_max_size=service.settings.max_body_bytes)
    app[SERVICE_KEY] = service
    app.router.add_post(f"/{VERSION}/comments:analyze", _analyze, name="analyze")
    app.router.add_post(f"/{VERSION}/comments:suggestscore", _suggest, name="suggestscore")
    app.router.add_get("/$discovery/rest", _discovery, name="discovery")
    app.router.add_get("/discovery/v1/apis/commentanalyzer/{version}/rest", _discovery, name="discovery_v1")
    app.router.add_get("/healthz", _healthz, name="healthz")
    app.router.add_get("/metrics", _metrics, name="metrics")
    return app


@dataclass(frozen=True, slots=True)
class Address:
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


@contextlib.asynccontextmanager
async def serving(service: PerspectiveService, host: str, port: int) -> AsyncIterator[Address]:
    """Listen on host:port (0: any free port) until the block ends; yields the bound address."""
    # On stop, requests in flight get up to answer_timeout_s (their own ceiling) to be answered.
    runner = web.AppRunner(build_app(service), access_log=None, handle_signals=False,
                           shutdown_timeout=service.settings.answer_timeout_s)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=1024)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        yield Address(host, int(bound))
    finally:
        await runner.cleanup()
