"""Google's own client library, unchanged, against `modbot serve` on a loopback port."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from googleapiclient import discovery
from googleapiclient.errors import HttpError

from bot.records import SuggestedScore
from tests.serve.support import KEY, running
from tests.support import StaticScorer


class ListSink:
    def __init__(self) -> None:
        self.items: list[SuggestedScore] = []

    async def add(self, suggestion: SuggestedScore) -> int:
        self.items.append(suggestion)
        return len(self.items)


def _client(url: str, key: str = KEY) -> Any:
    return discovery.build(
        "commentanalyzer", "v1alpha1",
        discoveryServiceUrl=f"{url}/$discovery/rest?version=v1alpha1",
        developerKey=key,
        static_discovery=False,
    )


async def test_discovery_build_then_analyze_and_suggestscore() -> None:
    sink = ListSink()
    async with running(StaticScorer(), sink=sink) as (address, _):
        def talk() -> tuple[dict[str, Any], dict[str, Any]]:
            client = _client(address.url)
            analyzed = client.comments().analyze(body={
                "comment": {"text": "What a hateful thing to say. Sorry."},
                "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
                "spanAnnotations": True,
                "languages": ["en"],
                "clientToken": "t-1",
            }).execute()
            suggested = client.comments().suggestscore(body={
                "comment": {"text": "What a hateful thing to say."},
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.2}}},
                "clientToken": "t-2",
            }).execute()
            return analyzed, suggested

        analyzed, suggested = await asyncio.to_thread(talk)
    toxicity = analyzed["attributeScores"]["TOXICITY"]
    assert toxicity["summaryScore"] == {"value": 0.97, "type": "PROBABILITY"}
    assert [span["score"]["value"] for span in toxicity["spanScores"]] == [0.97, 0.01]
    assert analyzed["attributeScores"]["INSULT"]["summaryScore"]["value"] == 0.8
    assert analyzed["languages"] == ["en"] and analyzed["clientToken"] == "t-1"
    assert suggested == {"clientToken": "t-2"}
    assert [item.scores for item in sink.items] == [{"TOXICITY": 0.2}]


async def test_errors_reach_the_client_as_http_errors() -> None:
    async with running(StaticScorer()) as (address, _):
        def bad_attribute() -> None:
            _client(address.url).comments().analyze(body={
                "comment": {"text": "hello"}, "requestedAttributes": {"NOPE": {}},
            }).execute()

        def bad_key() -> None:
            _client(address.url, key="not-the-key-at-all").comments().analyze(body={
                "comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}},
            }).execute()

        with pytest.raises(HttpError) as attribute_error:
            await asyncio.to_thread(bad_attribute)
        with pytest.raises(HttpError) as key_error:
            await asyncio.to_thread(bad_key)
    assert attribute_error.value.resp.status == 400
    assert "Unknown attribute: NOPE" in attribute_error.value.reason
    assert key_error.value.resp.status == 400
    assert "API key not valid" in key_error.value.reason
