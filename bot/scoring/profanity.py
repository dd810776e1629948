"""The offline fallback: alt-profanity-check (a small linear model shipped inside its PyPI package)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata

from bot.records import ModelInfo
from bot.scoring.engine import Prediction
from bot.scoring.labels import PROFANITY_LABEL, PROFANITY_MODEL_NAME

__all__ = ["PROFANITY_MODEL_NAME", "ProfanityEngine"]


class ProfanityEngine:
    """Scores one label, `profanity`. Blocking (scikit-learn), but about 20,000 msgs/s batched."""

    def __init__(self, fallback: bool = False, note: str = "") -> None:
        from profanity_check import predict_prob

        self._predict_prob = predict_prob
        version = metadata.version("alt-profanity-check")
        self._info = ModelInfo(name=PROFANITY_MODEL_NAME, version=version, fallback=fallback, note=note)

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def labels(self) -> frozenset[str]:
        return frozenset({PROFANITY_LABEL})

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        probabilities = self._predict_prob(list(texts))
        return [{PROFANITY_LABEL: float(value)} for value in probabilities]

    def close(self) -> None:
        return None
