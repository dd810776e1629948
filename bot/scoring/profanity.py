"""The offline fallback: alt-profanity-check (a small linear model shipped inside its PyPI package)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from typing import Any

from bot.records import ModelInfo
from bot.scoring.engine import Prediction
from bot.scoring.labels import PROFANITY_LABEL, PROFANITY_MODEL_NAME

__all__ = ["PROFANITY_MODEL_NAME", "ProfanityEngine"]


class ProfanityEngine:
    """Scores one label, `profanity`. Blocking (scikit-learn), but about 20,000 msgs/s batched."""

    def __init__(self, fallback: bool = False, note: str = "") -> None:
        from profanity_check import predict_prob

        self._predict_prob = predict_prob
        self._weights: tuple[Any, Any, Any] | None = None  # (vectorizer, mean coefficients, feature names), lazily
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

    def word_weights(self, text: str, label: str) -> list[tuple[str, float]]:
        """Each word's share of the linear model's margin for `text`: its tf-idf value times the mean
        LinearSVC coefficient of the calibrated folds (margin units, not probability). Largest first, words
        that raise the score only. Blocking but fast (no scoring)."""
        if label != PROFANITY_LABEL or not text.strip():
            return []
        vectorizer, coef, names = self._linear()
        row = vectorizer.transform([text]).tocoo()
        pairs = zip(row.col, row.data, strict=True)
        found = [(str(names[column]), float(value * coef[column])) for column, value in pairs]
        return sorted((item for item in found if item[1] > 0), key=lambda item: item[1], reverse=True)

    def _linear(self) -> tuple[Any, Any, Any]:
        if self._weights is None:
            import numpy as np
            from profanity_check import profanity_check as package

            folds = package.model.calibrated_classifiers_
            coef = np.mean([np.ravel(fold.estimator.coef_) for fold in folds], axis=0)
            self._weights = (package.vectorizer, coef, package.vectorizer.get_feature_names_out())
        return self._weights

    def close(self) -> None:
        return None
