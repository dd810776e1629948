"""The profanity-check fallback gives real scores from its shipped model."""

from __future__ import annotations

import asyncio

from bot.scoring.profanity import ProfanityEngine
from bot.scoring.worker import BatchingScorer


def test_profanity_scores_separate_profane_from_polite() -> None:
    engine = ProfanityEngine()
    rude, polite = engine.predict(["fuck you, you piece of shit", "have a lovely afternoon"])
    assert rude["profanity"] > 0.8
    assert polite["profanity"] < 0.2
    assert engine.labels == frozenset({"profanity"})
    assert engine.info.version == "1.9.1"


def test_profanity_bad_input() -> None:
    texts = ["", "x" * 10_000, "😀😀", "Привет 你好 hello"]
    results = ProfanityEngine().predict(texts)
    assert len(results) == len(texts)
    assert all(0.0 <= result["profanity"] <= 1.0 for result in results)


async def test_profanity_through_the_batching_scorer() -> None:
    scorer = BatchingScorer(ProfanityEngine(fallback=True, note="test"))
    try:
        results = await asyncio.gather(*(scorer.score([text]) for text in ["shit", "hello", "shit"]))
    finally:
        await scorer.close()
    assert results[0][0].values == results[2][0].values
    assert results[0][0].values["profanity"] > results[1][0].values["profanity"]
    assert all(result[0].model.fallback for result in results)


def test_word_weights_are_the_linear_models_own() -> None:
    engine = ProfanityEngine()
    text = "fuck this shit, you worthless people"
    weights = engine.word_weights(text, "profanity")
    assert [word for word, _ in weights[:2]] == ["fuck", "shit"]
    assert all(weight > 0 for _, weight in weights)
    assert [weight for _, weight in weights] == sorted((weight for _, weight in weights), reverse=True)
    # the weights point the way the model does: dropping the heaviest word lowers the score
    (full,), (without_top,) = engine.predict([text]), engine.predict([text.replace(weights[0][0], "")])
    assert without_top["profanity"] < full["profanity"]
    assert engine.word_weights("have a lovely afternoon", "profanity") == []
    assert engine.word_weights(text, "toxicity") == []  # not a label this model has


async def test_the_fallback_explains_with_its_weights_not_occlusion_and_says_fallback() -> None:
    from bot.moderation.explain import score_explanation
    from bot.moderation.normalize import normalize
    from bot.records import ExplanationMethod, RuleHit, Variant

    scorer = BatchingScorer(ProfanityEngine(fallback=True, note="no checkpoint"))
    text = "fuck this shit, you worthless people"
    try:
        (scores,) = await scorer.score([text])
        requests = scorer.stats().requests
        hit = RuleHit("profanity", Variant.RAW, "", condition="score", label="profanity",
                      score=scores.values["profanity"], reading=0)
        explanation = await score_explanation(scorer, hit, normalize(text), scores.model)
        assert scorer.stats().requests == requests  # read off the weights: nothing scored again
    finally:
        await scorer.close()
    assert explanation.method is ExplanationMethod.WORD_WEIGHTS and explanation.contributions[0][0] == "fuck"
    assert explanation.model is not None and explanation.model.fallback
    line = explanation.describe()
    assert "linear word weights, FALLBACK profanity-check 1.9.1" in line and "detoxify" not in line
