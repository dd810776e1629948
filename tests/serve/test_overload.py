"""Through the real batching worker: a full service answers 429 with Retry-After at once, a stuck scorer 503;
every request gets an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.records import Scores
from bot.scoring.worker import BatchingScorer
from bot.settings import ServeSettings
from tests.serve.support import KEY, SlowEngine, running
from tests.support import StaticScorer

ANALYZE = "/v1alpha1/comments:analyze"


async def _analyze(session: aiohttp.ClientSession, url: str, text: str) -> tuple[int, dict[str, str], Any]:
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
    async with session.post(url + ANALYZE, params={"key": KEY}, json=body) as response:
        return response.status, dict(response.headers), await response.json()


async def test_overload_is_429_with_retry_after_and_nothing_goes_unanswered() -> None:
    engine = SlowEngine(delay=0.2)
    scorer = BatchingScorer(engine, batch_size=2, timeout_s=20.0)
    settings = ServeSettings(max_pending=3, retry_after_s=2, rate_per_key=1000, burst_per_key=1000)
    try:
        async with running(scorer, settings) as (address, service), aiohttp.ClientSession() as session:
            answers = await asyncio.wait_for(
                asyncio.gather(*(_analyze(session, address.url, f"comment number {i}") for i in range(20))),
                timeout=30)
            health_depth = service.health()["pending"]
    finally:
        await scorer.close()
    statuses = [status for status, _, _ in answers]
    assert len(answers) == 20
    assert set(statuses) == {200, 429}
    assert statuses.count(200) >= 3
    for status, headers, payload in answers:
        if status == 429:
            assert headers["Retry-After"] == "2"
            assert payload["error"]["status"] == "RESOURCE_EXHAUSTED"
            assert "at capacity" in payload["error"]["message"]
    assert health_depth == 0
    assert max(engine.batches) <= 2  # the worker batched, within its batch size


async def test_a_scorer_past_its_deadline_is_503_not_a_hang() -> None:
    engine = SlowEngine(delay=1.5)
    scorer = BatchingScorer(engine, timeout_s=0.3, hang_after_s=5.0)
    try:
        async with running(scorer) as (address, _), aiohttp.ClientSession() as session:
            status, headers, payload = await asyncio.wait_for(_analyze(session, address.url, "slow"), timeout=10)
    finally:
        await scorer.close()
    assert status == 503
    assert payload["error"] == {"code": 503, "message": "Scoring timed out; retry later.", "status": "UNAVAILABLE"}
    assert headers["Retry-After"] == "1"


async def test_answer_timeout_cuts_off_any_scorer() -> None:
    class Stuck(StaticScorer):
        async def score(self, texts: Sequence[str]) -> list[Scores]:
            await asyncio.sleep(60)
            return []

    async with running(Stuck(), ServeSettings(answer_timeout_s=0.2)) as (address, _), \
            aiohttp.ClientSession() as session:
        status, _, payload = await asyncio.wait_for(_analyze(session, address.url, "anything"), timeout=10)
    assert status == 503
    assert payload["error"]["status"] == "UNAVAILABLE"


async def test_healthz_and_metrics_show_model_queue_and_counts() -> None:
    scorer = BatchingScorer(SlowEngine(delay=0.0))
    try:
        async with running(scorer) as (address, _), aiohttp.ClientSession() as session:
            assert (await _analyze(session, address.url, "count me"))[0] == 200
            async with session.get(address.url + "/healthz") as response:
                health = await response.json()
                assert response.headers["X-Modbot-Model"] == "test/slow"
            async with session.get(address.url + "/metrics") as response:
                metrics = await response.text()
                assert response.headers["Content-Type"].startswith("text/plain")
    finally:
        await scorer.close()
    assert health["model"]["name"] == "test/slow" and health["fallback"] is False
    assert health["queue_depth"] == 0 and health["pending"] == 0
    assert health["attributes"] == ["TOXICITY", "INSULT"]
    assert health["storage"] == "off"
    assert 'modbot_serve_requests_total{code="200",method="analyze"} 1.0' in metrics
    assert 'modbot_serve_request_seconds_bucket{le="+Inf",method="analyze"} 1.0' in metrics
    assert "modbot_scorer_queue_depth 0.0" in metrics
    assert "modbot_scorer_batched_texts_total 1.0" in metrics
