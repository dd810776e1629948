"""Occlusion through the real detoxify path: a synthetic checkpoint, detoxify's own class, the batching scorer."""

from __future__ import annotations

import pytest

from bot.moderation.explain import candidate_words, score_explanation, without
from bot.moderation.normalize import normalize
from bot.records import ExplanationMethod, RuleHit, Variant
from bot.scoring.detoxify_engine import DetoxifyEngine
from bot.scoring.factory import open_scorer
from bot.scoring.worker import BatchingScorer
from tests.scoring.conftest import MakeSettings
from tests.synthetic import SyntheticCheckpoint


async def test_occlusion_runs_through_the_detoxify_scorer(
    original_ckpt: SyntheticCheckpoint, make_settings: MakeSettings
) -> None:
    scorer = await open_scorer(make_settings(original_ckpt.path))
    assert isinstance(scorer, BatchingScorer) and isinstance(scorer.engine, DetoxifyEngine)
    text = "you are an idiot, shut up and go away"
    try:
        (scores,) = await scorer.score([text])
        base = scores.values["toxicity"]
        before = scorer.stats()
        hit = RuleHit("toxic", Variant.RAW, "", condition="score", label="toxicity", score=base, reading=0)
        explanation = await score_explanation(scorer, hit, normalize(text), scores.model)
        after = scorer.stats()
        assert await scorer.word_weights(text, "toxicity") is None  # detoxify is not linear: occlusion it is
        words = candidate_words(text)
        direct = scorer.engine.predict([without(text, word) for word in words])
    finally:
        await scorer.close()
    assert after.requests - before.requests == len(words)  # one variant per word, one call
    assert explanation.method is ExplanationMethod.OCCLUSION and explanation.contributions
    assert explanation.model is not None and explanation.model.name == "detoxify/original"
    assert not explanation.model.fallback and "FALLBACK" not in explanation.describe()
    expected = {word: base - values["toxicity"] for word, values in zip(words, direct, strict=True)}
    for word, delta in explanation.contributions:
        assert delta == pytest.approx(expected[word], abs=1e-4)  # the deltas are the model's own score drops
    assert [w for w, _ in explanation.contributions] == sorted(
        (w for w, d in expected.items() if d >= 0.005), key=lambda w: expected[w], reverse=True)[:8]
