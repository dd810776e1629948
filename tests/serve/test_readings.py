"""`serve.readings`: a Perspective client may ask for what a reader perceives (evasions undone, homographs in their
ordinary sense), the highest reading answering; off, the text is scored exactly as sent."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.settings import ServeSettings
from tests.serve.support import KEY, running
from tests.support import StaticScorer

ANALYZE = "/v1alpha1/comments:analyze"
TABLE = {"hateful": {"toxicity": 0.97}, "hoe": {"toxicity": 0.9}}


async def _toxicity(url: str, text: str, spans: bool = False) -> dict[str, Any]:
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}, "spanAnnotations": spans}
    async with aiohttp.ClientSession() as session:
        response = await session.post(url + ANALYZE, params={"key": KEY}, json=body)
        async with response:
            assert response.status == 200
            payload: dict[str, Any] = (await response.json())["attributeScores"]["TOXICITY"]
            return payload


@pytest.mark.parametrize(
    ("text", "as_sent", "as_read"),
    [
        ("what a h a t e f u l thing to say", 0.01, 0.97),  # spaced letters
        ("what a h\u200ba\u200bt\u200be\u200bf\u200bu\u200bl thing", 0.01, 0.97),  # zero-width joiners
        ("what a hаtеful thing", 0.01, 0.97),  # Cyrillic а and е
        ("I hoe the garden every spring", 0.9, 0.01),  # the verb: scored as "I weed the garden"
        ("stop being a hoe", 0.9, 0.9),
    ],
)
async def test_readings_answer_for_what_a_reader_perceives(text: str, as_sent: float, as_read: float) -> None:
    async with running(StaticScorer(TABLE)) as (address, _):
        sent = await _toxicity(address.url, text)
    async with running(StaticScorer(TABLE), ServeSettings(readings=True)) as (address, _):
        read = await _toxicity(address.url, text)
    assert sent["summaryScore"]["value"] == pytest.approx(as_sent)
    assert read["summaryScore"]["value"] == pytest.approx(as_read)


async def test_each_span_is_read_on_its_own_and_keeps_its_offsets() -> None:
    text = "A fine article. What a h a t e f u l reply."
    async with running(StaticScorer(TABLE), ServeSettings(readings=True)) as (address, service):
        read = await _toxicity(address.url, text, spans=True)
    spans = [(span["begin"], span["end"], span["score"]["value"]) for span in read["spanScores"]]
    assert spans == [(0, 15, pytest.approx(0.01)), (16, len(text), pytest.approx(0.97))]
    assert service.scorer.calls  # type: ignore[attr-defined]
    assert "What a hateful reply." in service.scorer.calls  # type: ignore[attr-defined]


async def _health(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url + "/healthz") as response:
        payload: dict[str, Any] = await response.json()
        return payload


async def test_healthz_says_whether_readings_are_scored() -> None:
    for readings in (False, True):
        async with running(StaticScorer(TABLE), ServeSettings(readings=readings)) as (address, _):
            health = await _health(address.url)
        assert health["readings"] == ("on" if readings else "off")
