"""The service behind the HTTP layer: authenticate, admit (or refuse: 429), score through the shared worker.

Nothing here blocks or waits unboundedly: the number of analyses in flight is capped (`max_pending`, beyond it
429 at once), and each one is cut off at `answer_timeout_s` (503), whatever the scorer does.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.moderation.normalize import normalize
from bot.moderation.pipeline import worst
from bot.protocols import Scorer
from bot.records import ModelInfo, Scores, SuggestedScore
from bot.serve.attributes import label_for, model_languages, supported_attributes
from bot.serve.errors import ApiError, exhausted, invalid, unavailable
from bot.serve.keys import KeyRing
from bot.serve.metrics import ServeMetrics
from bot.serve.ports import HasStats, QueueStats, SuggestionSink
from bot.serve.spans import Span, sentence_spans
from bot.serve.wire import analyze_response, parse_analyze, parse_suggest, suggest_response
from bot.settings import ServeSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Answer:
    body: dict[str, Any]
    model: ModelInfo | None = None


class PerspectiveService:
    def __init__(
        self,
        scorer: Scorer,
        keys: KeyRing,
        settings: ServeSettings,
        suggestions: SuggestionSink | None = None,
    ) -> None:
        self.scorer = scorer
        self.keys = keys
        self.settings = settings
        self.suggestions = suggestions if settings.storage else None
        self.pending = 0
        self.metrics = ServeMetrics(self.worker_stats)

    def worker_stats(self) -> QueueStats | None:
        return self.scorer.stats() if isinstance(self.scorer, HasStats) else None

    def _admit_key(self, key: str | None) -> str:
        ident = self.keys.authenticate(key)
        try:
            self.keys.charge(ident)
        except ApiError:
            self.metrics.rejected.labels("rate_limit").inc()
            raise
        return ident

    # --- comments:analyze ------------------------------------------------------------------------------------

    async def analyze(self, key: str | None, body: Any) -> Answer:
        self._admit_key(key)
        request = parse_analyze(body, self.settings.max_comment_bytes)
        model = self.scorer.model
        labels = {attribute.name: label_for(attribute.name, self.scorer.labels) for attribute in request.attributes}
        missing = [name for name, label in labels.items() if label is None]
        if missing:
            offered = ", ".join(supported_attributes(self.scorer.labels)) or "none"
            raise invalid(f"Attribute {missing[0]} is not supported by the live model {model.describe()}; "
                          f"it answers: {offered}.")
        readable = model_languages(model.name)
        unread = [code for code in request.languages if code not in readable]
        if unread:
            raise invalid(f"Attribute {request.attributes[0].name} does not support request languages: "
                          f"{', '.join(unread)}.")
        spans = sentence_spans(request.text, self.settings.max_spans) if request.span_annotations else []
        texts = list(dict.fromkeys([request.text, *(span.text for span in spans)]))
        results = await self._score_read(texts) if self.settings.readings else await self._score(texts)
        by_text = dict(zip(texts, results, strict=True))
        summary_scores = by_text[request.text]

        def attribute_values(scores: Scores) -> dict[str, float]:
            values: dict[str, float] = {}
            for name, label in labels.items():
                value = scores.get(label) if label is not None else None
                if value is None:
                    raise ApiError(500, f"The scorer returned no {label} score.", "INTERNAL")
                values[name] = value
            return values

        span_values: list[tuple[Span, Mapping[str, float]]] = [
            (span, attribute_values(by_text[span.text])) for span in spans
        ]
        if request.languages:
            languages: list[str] = list(request.languages)
        else:
            languages = ["en"] if readable == frozenset({"en"}) else ["und"]  # no detection: undetermined
        body_out = analyze_response(request, attribute_values(summary_scores), span_values, languages)
        return Answer(body_out, summary_scores.model)

    async def _score_read(self, texts: list[str]) -> list[Scores]:
        """`serve.readings`: each text's readings (bot/moderation/normalize.py, in an executor: CPU work), scored
        in one batch; the highest score per label answers for the text."""
        loop = asyncio.get_running_loop()
        readings = await loop.run_in_executor(None, lambda: [normalize(text).model_texts() for text in texts])
        unique = list(dict.fromkeys(reading for group in readings for reading in group))
        scored = dict(zip(unique, await self._score(unique), strict=True))
        return [worst([scored[reading] for reading in group]) for group in readings]

    async def _score(self, texts: list[str]) -> list[Scores]:
        if self.pending >= self.settings.max_pending:
            self.metrics.rejected.labels("overloaded").inc()
            raise exhausted(f"The scorer is at capacity ({self.settings.max_pending} analyses in flight); "
                            "retry later.", self.settings.retry_after_s)
        self.pending += 1
        self.metrics.pending.set(self.pending)
        self.metrics.texts.observe(len(texts))
        try:
            results = await asyncio.wait_for(self.scorer.score(texts), timeout=self.settings.answer_timeout_s)
        except TimeoutError:
            results = []
        finally:
            self.pending -= 1
            self.metrics.pending.set(self.pending)
        if len(results) != len(texts) or any(scores.timed_out for scores in results):
            self.metrics.timeouts.inc()
            raise unavailable("Scoring timed out; retry later.", self.settings.retry_after_s)
        return results

    # --- comments:suggestscore -------------------------------------------------------------------------------

    async def suggest(self, key: str | None, body: Any) -> Answer:
        ident = self._admit_key(key)
        request = parse_suggest(body, self.settings.max_comment_bytes)
        if self.suggestions is not None:
            keep_text = self.settings.store_text and not request.do_not_store
            await self.suggestions.add(SuggestedScore(
                key_id=ident,
                text=request.text if keep_text else None,
                text_sha256=hashlib.sha256(request.text.encode("utf-8")).hexdigest(),
                scores=dict(request.scores),
                languages=request.languages,
                community_id=request.community_id,
                client_token=request.client_token,
            ))
        return Answer(suggest_response(request))

    # --- /healthz --------------------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        model = self.scorer.model
        stats = self.worker_stats()
        return {
            "status": "ok",
            "model": {"name": model.name, "version": model.version, "fallback": model.fallback,
                      "note": model.note, "describe": model.describe()},
            "fallback": model.fallback,
            "attributes": list(supported_attributes(self.scorer.labels)),
            "languages": sorted(model_languages(model.name)),
            "queue_depth": stats.queue_depth if stats is not None else None,
            "pending": self.pending,
            "max_pending": self.settings.max_pending,
            "storage": "on" if self.suggestions is not None else "off",
            "readings": "on" if self.settings.readings else "off",  # what is scored: as read, or as sent
            "keys": len(self.keys),
        }
