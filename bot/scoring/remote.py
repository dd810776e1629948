"""A Scorer that calls a Perspective-compatible endpoint (`modbot serve`, or another) over HTTP.

One `comments:analyze` request per text, at most `max_connections` at once. Anything but a good answer in time
(a timeout, a refused connection, a 429 or 5xx) gives `Scores(timed_out=True)`, so `scoring.on_timeout` decides,
exactly as for the local worker. The model is named from the `X-Modbot-Model*` headers when the endpoint is a
`modbot serve`; other endpoints are named `perspective-compatible` with their host.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.records import ModelInfo, Scores
from bot.scoring.labels import PROFANITY_LABEL
from bot.serve.attributes import ATTRIBUTE_LABELS
from bot.settings import RemoteScoringSettings

log = logging.getLogger(__name__)

ANALYZE_PATH = "/v1alpha1/comments:analyze"
FALLBACK_MODEL = "profanity-check"


class RemoteUnavailable(RuntimeError):
    """The endpoint refused the configuration at start-up (bad key, unsupported attribute, unreachable)."""


def attribute_label(attribute: str, model_name: str) -> str:
    """The label an attribute's score is kept under: detoxify's names (PROFANITY is `obscene`), except that a
    serve running the profanity-check fallback answers PROFANITY with its own `profanity` label."""
    if attribute == "PROFANITY" and model_name == FALLBACK_MODEL:
        return PROFANITY_LABEL
    return ATTRIBUTE_LABELS[attribute][0]


def remote_labels(settings: RemoteScoringSettings) -> frozenset[str]:
    """Labels a rules file may name with this remote (before connecting): the attributes' detoxify names, and
    `profanity` too when PROFANITY is asked for (a serve on the fallback answers it under that name)."""
    labels = {attribute_label(attribute, "") for attribute in settings.attributes}
    if "PROFANITY" in settings.attributes:
        labels.add(PROFANITY_LABEL)
    return frozenset(labels)


def _model_from(headers: Mapping[str, str], url: str) -> ModelInfo:
    name = headers.get("X-Modbot-Model")
    if name is None:
        return ModelInfo(name="perspective-compatible", version=urlsplit(url).netloc)
    return ModelInfo(
        name=name,
        version=headers.get("X-Modbot-Model-Version", ""),
        fallback=headers.get("X-Modbot-Model-Fallback", "false").lower() == "true",
        note=f"via {urlsplit(url).netloc}",
    )


class RemoteScorer:
    """Implements `bot.protocols.Scorer`. Open it with `await RemoteScorer.open(settings)`."""

    def __init__(self, settings: RemoteScoringSettings, session: aiohttp.ClientSession, model: ModelInfo) -> None:
        self._settings = settings
        self._session = session
        self._model = model
        self._endpoint = settings.url + ANALYZE_PATH
        self._limit = asyncio.Semaphore(settings.max_connections)
        self.timeouts = 0

    @classmethod
    async def open(cls, settings: RemoteScoringSettings, *, probe: bool = True) -> RemoteScorer:
        """Connects and (with `probe`) scores one word, so that a bad key, an attribute the endpoint cannot
        produce or a wrong URL stops the start with one line instead of timing every message out."""
        connector = aiohttp.TCPConnector(limit=settings.max_connections)
        session = aiohttp.ClientSession(connector=connector, raise_for_status=False)
        scorer = cls(settings, session, ModelInfo(name="perspective-compatible", version=urlsplit(settings.url).netloc))
        if probe:
            try:
                await scorer._probe()
            except BaseException:
                await session.close()
                raise
        return scorer

    @property
    def model(self) -> ModelInfo:
        return self._model

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(attribute_label(attribute, self._model.name) for attribute in self._settings.attributes)

    def _request(self, text: str) -> tuple[dict[str, Any], dict[str, str]]:
        body = {
            "comment": {"text": text},
            "requestedAttributes": {attribute: {} for attribute in self._settings.attributes},
            "doNotStore": True,
        }
        key = self._settings.key
        return body, ({"key": key.get_secret_value()} if key is not None else {})

    async def _probe(self) -> None:
        body, params = self._request("hello")
        where = f"scoring.remote.url {self._settings.url}"
        try:
            async with self._session.post(self._endpoint, json=body, params=params,
                                          timeout=aiohttp.ClientTimeout(total=self._settings.timeout)) as response:
                payload = await response.json(content_type=None)
                if response.status != 200:
                    message = (payload.get("error") or {}).get("message") if isinstance(payload, dict) else None
                    raise RemoteUnavailable(f"{where} answered {response.status}: {message or payload}; fix "
                                            "scoring.remote (key: MODBOT_REMOTE_KEY, attributes) or the endpoint")
                self._model = _model_from(response.headers, self._settings.url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RemoteUnavailable(f"{where} is unreachable: {type(exc).__name__}: {exc}; start `modbot serve` "
                                    "there or fix scoring.remote.url") from exc
        log.info("scoring remote=%s model=%s", self._settings.url, self._model.describe())

    async def score(self, texts: Sequence[str]) -> list[Scores]:
        return list(await asyncio.gather(*(self._score_one(text) for text in texts)))

    async def _score_one(self, text: str) -> Scores:
        body, params = self._request(text)
        try:
            async with (
                asyncio.timeout(self._settings.timeout),
                self._limit,
                self._session.post(self._endpoint, json=body, params=params) as response,
            ):
                payload = await response.json(content_type=None)
                status = response.status
                model = _model_from(response.headers, self._settings.url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return self._timed_out(f"{type(exc).__name__}: {exc}", len(text))
        if status != 200 or not isinstance(payload, dict):
            return self._timed_out(f"status {status}", len(text))
        values: dict[str, float] = {}
        for attribute, entry in (payload.get("attributeScores") or {}).items():
            if attribute not in ATTRIBUTE_LABELS or not isinstance(entry, dict):
                continue
            value = (entry.get("summaryScore") or {}).get("value")
            if isinstance(value, int | float):
                values[attribute_label(attribute, model.name)] = float(value)
        self._model = model
        return Scores(values=values, model=model)

    def _timed_out(self, reason: str, chars: int) -> Scores:
        self.timeouts += 1
        log.warning("scoring timed_out=1 remote=%s chars=%d reason=%r", self._settings.url, chars, reason)
        return Scores(values={}, model=self._model, timed_out=True)

    async def close(self) -> None:
        await self._session.close()
