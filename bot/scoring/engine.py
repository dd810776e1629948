"""The seam inside `bot.scoring`: a synchronous model that scores a batch of texts.

Engines are called from the scorer's single inference thread only, never from the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot.records import ModelInfo

Prediction = dict[str, float]


class InferenceEngine(Protocol):
    @property
    def info(self) -> ModelInfo: ...

    @property
    def labels(self) -> frozenset[str]: ...

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One prediction per text, same order. Blocking: call it from a worker thread."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class LinearEngine(Protocol):
    """An engine whose model is linear in words (the profanity fallback): it can say what each word weighs."""

    def word_weights(self, text: str, label: str) -> list[tuple[str, float]]:
        """(word, contribution) for the words that raise `label` for `text`, largest first. Blocking."""
        ...
