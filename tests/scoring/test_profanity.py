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
