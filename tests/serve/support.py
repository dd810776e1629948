"""Helpers for the serve tests: a service on a loopback port, and a slow engine behind the real worker."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Sequence

from bot.protocols import Scorer
from bot.records import ModelInfo
from bot.scoring.engine import Prediction
from bot.serve.http import Address, serving
from bot.serve.keys import KeyRing
from bot.serve.ports import SuggestionSink
from bot.serve.service import PerspectiveService
from bot.settings import ServeSettings

KEY = "test-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"


@contextlib.asynccontextmanager
async def running(
    scorer: Scorer,
    settings: ServeSettings | None = None,
    sink: SuggestionSink | None = None,
    keys: Sequence[str] = (KEY,),
) -> AsyncIterator[tuple[Address, PerspectiveService]]:
    settings = settings or ServeSettings()
    ring = KeyRing(keys, settings.rate_per_key, settings.burst_per_key)
    service = PerspectiveService(scorer, ring, settings, sink)
    async with serving(service, "127.0.0.1", 0) as address:
        yield address, service


class SlowEngine:
    """An InferenceEngine that takes `delay` seconds per batch (a stand-in for a busy model)."""

    def __init__(self, delay: float, labels: frozenset[str] = frozenset({"toxicity", "insult"})) -> None:
        self.delay = delay
        self._labels = labels
        self.batches: list[int] = []

    @property
    def info(self) -> ModelInfo:
        return ModelInfo("test/slow", "1")

    @property
    def labels(self) -> frozenset[str]:
        return self._labels

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        time.sleep(self.delay)
        self.batches.append(len(texts))
        return [dict.fromkeys(sorted(self._labels), min(1.0, len(text) / 100)) for text in texts]

    def close(self) -> None:
        return None
