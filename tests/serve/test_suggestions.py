"""suggestscore into real SQLite (bot.storage.suggestions, migration 0008): stored, and no text when it must not be."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.records import SuggestedScore
from bot.settings import ServeSettings
from bot.storage import Database
from bot.storage.suggestions import SuggestionRepository
from tests.serve.support import KEY, running
from tests.support import StaticScorer

SUGGEST = "/v1alpha1/comments:suggestscore"


def _body(text: str, **extra: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1.0}},
                                                           "INSULT": {"summaryScore": {"value": 0}}}, **extra}


async def _suggest(url: str, body: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(url + SUGGEST, params={"key": KEY},
                                                                json=body) as response:
        return response.status, await response.json()


async def test_verdicts_are_stored_without_text_when_do_not_store(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "serve.db") as db:
        repo = SuggestionRepository(db)
        async with running(StaticScorer(), sink=repo) as (address, _):
            first = await _suggest(address.url, _body("you idiot", clientToken="c1", languages=["en-GB"],
                                                      communityId="site-a"))
            second = await _suggest(address.url, _body("secret words", doNotStore=True))
        stored = await repo.recent()
    assert first == (200, {"clientToken": "c1"})
    assert second == (200, {})
    kept, first_row = stored
    assert kept.text is None
    assert kept.text_sha256 == hashlib.sha256(b"secret words").hexdigest()
    assert first_row.text == "you idiot"
    assert first_row.scores == {"TOXICITY": 1.0, "INSULT": 0.0}
    assert first_row.languages == ("en",) and first_row.community_id == "site-a"
    assert first_row.key_id != KEY and KEY not in repr(first_row)


async def test_store_text_off_keeps_scores_only_and_storage_off_keeps_nothing(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "serve.db") as db:
        repo = SuggestionRepository(db)
        async with running(StaticScorer(), ServeSettings(store_text=False), sink=repo) as (address, _):
            assert (await _suggest(address.url, _body("no text kept")))[0] == 200
        async with running(StaticScorer(), ServeSettings(storage=False), sink=repo) as (address, service):
            assert (await _suggest(address.url, _body("not stored at all")))[0] == 200
            assert service.health()["storage"] == "off"
        stored = await repo.recent()
    assert [(item.text, item.scores["TOXICITY"]) for item in stored] == [(None, 1.0)]


async def test_bad_suggestions_are_400() -> None:
    async with running(StaticScorer()) as (address, _):
        status, payload = await _suggest(address.url, {"comment": {"text": "x"}, "attributeScores": {
            "TOXICITY": {"summaryScore": {"value": 2}}}})
        assert status == 400 and "summaryScore.value" in payload["error"]["message"]
        status, payload = await _suggest(address.url, {"comment": {"text": "x"}})
        assert status == 400 and "at least one attribute" in payload["error"]["message"]


async def test_retention_erases_old_texts(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    async with Database.open(tmp_path / "serve.db") as db:
        repo = SuggestionRepository(db)
        for text, age in (("old one", 100), ("new one", 1)):
            await repo.add(SuggestedScore(key_id="k", text=text, text_sha256=text, scores={"TOXICITY": 0.5},
                                          created_at=now - timedelta(days=age)))
        erased = await repo.erase_text_before(now - timedelta(days=90))
        texts = sorted((item.text or "-") for item in await repo.recent())
        by_hash = await repo.for_text("old one")
    assert erased == 1
    assert texts == ["-", "new one"]
    assert by_hash[0].scores == {"TOXICITY": 0.5}
