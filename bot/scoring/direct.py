"""The configured model, called once per message on an executor thread: the demo's scorer.

In production the bot scores through `bot.scoring`'s batching worker. Under SimCord the bot runs on a
virtual clock, and the worker's batching window and per-request timeouts are timers on that clock:
they would fire out of step with the model thread. The demo therefore calls the same engine (detoxify,
or its profanity-check fallback, with the same labels and ModelInfo) directly, which SimCord can follow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.records import ModelInfo, Scores
from bot.scoring.engine import InferenceEngine, LinearEngine
from bot.settings import ScoringSettings


class DirectScorer:
    def __init__(self, engine: InferenceEngine, labels: frozenset[str]) -> None:
        self._engine = engine
        self._labels = labels

    @classmethod
    async def load(cls, settings: ScoringSettings) -> DirectScorer:
        """Blocking load in a thread; raises `bot.scoring.factory.ScorerUnavailable` like the bot does."""
        from bot.scoring.factory import known_labels, load_engine

        engine = await asyncio.to_thread(load_engine, settings)
        return cls(engine, known_labels(settings))

    @property
    def model(self) -> ModelInfo:
        return self._engine.info

    @property
    def labels(self) -> frozenset[str]:
        return self._labels

    async def score(self, texts: Sequence[str]) -> list[Scores]:
        loop = asyncio.get_running_loop()
        predictions = await loop.run_in_executor(None, self._engine.predict, list(texts))
        return [Scores(values=dict(values), model=self._engine.info) for values in predictions]

    async def word_weights(self, text: str, label: str) -> list[tuple[str, float]] | None:
        """The fallback's per-word weights (on an executor thread); None for a model that is not linear."""
        engine = self._engine
        if not isinstance(engine, LinearEngine):
            return None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, engine.word_weights, text, label)

    async def close(self) -> None:
        await asyncio.to_thread(self._engine.close)
