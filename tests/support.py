"""Test helpers shared across the suite."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

from bot.records import ModelInfo, Scores

TEST_LABELS = frozenset({"toxicity", "severe_toxicity", "insult", "threat"})


class StaticScorer:
    """Scores from a table of trigger words: a word's scores apply when the text contains it.

    Deterministic and instant, so tests of rules and the pipeline can say exactly what they expect.
    """

    def __init__(
        self,
        table: Mapping[str, Mapping[str, float]] | None = None,
        *,
        labels: frozenset[str] = TEST_LABELS,
        name: str = "test/static",
        floor: float = 0.01,
    ) -> None:
        self.table = dict(table or {"hateful": {"toxicity": 0.97, "insult": 0.8}, "rude": {"toxicity": 0.7}})
        self.calls: list[str] = []
        self._labels = labels
        self._floor = floor
        self._model = ModelInfo(name, "1")

    @property
    def model(self) -> ModelInfo:
        return self._model

    @property
    def labels(self) -> frozenset[str]:
        return self._labels

    async def score(self, texts: Sequence[str]) -> list[Scores]:
        results = []
        for text in texts:
            self.calls.append(text)
            values = dict.fromkeys(sorted(self._labels), self._floor)
            for word, scores in self.table.items():
                if word in text.casefold():
                    for label, value in scores.items():
                        values[label] = max(values[label], value)
            results.append(Scores(values, self._model))
        return results

    async def close(self) -> None:
        return None


async def wait_until(condition: Callable[[], bool], within: float = 10.0, step: float = 0.02) -> bool:
    """Poll `condition` until it holds or `within` seconds pass: for state another thread changes, where a fixed
    sleep would make a test flaky on a busy machine."""
    for _ in range(max(1, int(within / step))):
        if condition():
            return True
        await asyncio.sleep(step)
    return condition()
