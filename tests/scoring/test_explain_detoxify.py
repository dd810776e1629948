"""Occlusion through the real detoxify path: a synthetic checkpoint, detoxify's own class, the batching scorer."""

from __future__ import annotations

import pytest

from bot.moderation.explain import MIN_DELTA, candidate_words, occlusion_deltas, score_explanation, without
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
    words = candidate_words(text)
    try:
        (scores,) = await scorer.score([text])
        base = scores.values["toxicity"]
        before = scorer.stats()
        deltas = await occlusion_deltas(scorer, text, "toxicity", base)
        after = scorer.stats()
        assert await scorer.word_weights(text, "toxicity") is None  # detoxify is not linear: occlusion it is
        hit = RuleHit("toxic", Variant.RAW, "", condition="score", label="toxicity", score=base, reading=0)
        explanation = await score_explanation(scorer, hit, normalize(text), scores.model)
        direct = scorer.engine.predict([without(text, word) for word in words])
    finally:
        await scorer.close()
    assert after.requests - before.requests == len(words) == 9  # one variant per word, in one call
    # every delta is the model's own score drop without that word (a tiny random model: small drops)
    expected = [(word, base - values["toxicity"]) for word, values in zip(words, direct, strict=True)]
    assert [word for word, _ in deltas] == words
    assert [delta for _, delta in deltas] == pytest.approx([delta for _, delta in expected], abs=1e-4)
    assert explanation.method is ExplanationMethod.OCCLUSION
    assert explanation.model is not None and explanation.model.name == "detoxify/original"
    assert not explanation.model.fallback and "FALLBACK" not in explanation.describe()
    assert all(delta >= MIN_DELTA for _, delta in explanation.contributions)
