"""Every error case through raw HTTP: Perspective's status and `{"error": {code, message, status}}` shape."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.records import ModelInfo
from bot.settings import ServeSettings
from tests.serve.support import KEY, running
from tests.support import StaticScorer

ANALYZE = "/v1alpha1/comments:analyze"


def _body(text: str = "you are rude", **attributes: Any) -> dict[str, Any]:
    return {"comment": {"text": text}, "requestedAttributes": attributes or {"TOXICITY": {}}}


async def _post(url: str, body: Any, key: str | None = KEY, raw: bytes | None = None) -> tuple[int, Any, Any]:
    params = {"key": key} if key is not None else {}
    async with aiohttp.ClientSession() as session:
        if raw is not None:
            response = await session.post(url + ANALYZE, params=params, data=raw,
                                          headers={"Content-Type": "application/json"})
        else:
            response = await session.post(url + ANALYZE, params=params, json=body)
        async with response:
            return response.status, await response.json(), response.headers


def _assert_error(payload: Any, code: int, status: str, words: str) -> None:
    error = payload["error"]
    assert set(error) == {"code", "message", "status"}
    assert error["code"] == code
    assert error["status"] == status
    assert words.lower() in error["message"].lower()


async def test_a_good_request_is_scored_and_names_the_model() -> None:
    async with running(StaticScorer()) as (address, _):
        status, payload, headers = await _post(address.url, {**_body(), "clientToken": "abc"})
    assert status == 200
    assert payload["attributeScores"]["TOXICITY"]["summaryScore"] == {"value": 0.7, "type": "PROBABILITY"}
    assert payload["clientToken"] == "abc"
    assert payload["languages"] == ["en"]
    assert headers["X-Modbot-Model"] == "test/static"
    assert headers["X-Modbot-Model-Fallback"] == "false"


@pytest.mark.parametrize(
    ("key", "code", "status", "words"),
    [(None, 403, "PERMISSION_DENIED", "missing a valid API key"), ("wrong-key-wrong-key", 400, "INVALID_ARGUMENT",
                                                                     "API key not valid")],
)
async def test_missing_or_bad_key(key: str | None, code: int, status: str, words: str) -> None:
    async with running(StaticScorer()) as (address, _):
        got, payload, _ = await _post(address.url, _body(), key=key)
    assert got == code
    _assert_error(payload, code, status, words)


async def test_the_key_may_come_in_googles_header() -> None:
    async with (
        running(StaticScorer()) as (address, _),
        aiohttp.ClientSession() as session,
        session.post(address.url + ANALYZE, json=_body(), headers={"X-Goog-Api-Key": KEY}) as response,
    ):
        assert response.status == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (_body(FOO={}), "Unknown attribute: FOO"),
        (_body(SEXUALLY_EXPLICIT={}), "SEXUALLY_EXPLICIT is not supported by the live model"),
        (_body(""), "Comment must be non-empty"),
        (_body("   \n"), "Comment must be non-empty"),
        ({"requestedAttributes": {"TOXICITY": {}}}, "Comment must be non-empty"),
        (_body("x" * 20_481), "Comment text too long: 20481 bytes"),
        (_body("é" * 10_241), "too long: 20482 bytes"),  # the limit counts UTF-8 bytes
        ({"comment": {"text": "hi"}}, "at least one attribute"),
        (_body(TOXICITY={"scoreType": "STD_DEV_SCORE"}), "Score type STD_DEV_SCORE is not supported"),
        (_body(TOXICITY={"scoreThreshold": 3}), "scoreThreshold"),
        ({**_body(), "languages": ["de"]}, "does not support request languages: de"),
        ({**_body(), "languages": "en"}, "languages"),
        ({**_body(), "doNotStore": "yes"}, "doNotStore"),
        ({"comment": "hi", "requestedAttributes": {"TOXICITY": {}}}, "comment"),
        ([1, 2], "request"),
    ],
)
async def test_invalid_requests_are_400(body: Any, words: str) -> None:
    async with running(StaticScorer()) as (address, _):
        status, payload, _ = await _post(address.url, body)
    assert status == 400
    _assert_error(payload, 400, "INVALID_ARGUMENT", words)


async def test_bad_json_is_400() -> None:
    async with running(StaticScorer()) as (address, _):
        status, payload, _ = await _post(address.url, None, raw=b"{not json")
    assert status == 400
    _assert_error(payload, 400, "INVALID_ARGUMENT", "Invalid JSON payload")


async def test_a_body_over_the_cap_is_413_without_scoring() -> None:
    scorer = StaticScorer()
    async with running(scorer, ServeSettings(max_body_bytes=2048)) as (address, _):
        status, payload, _ = await _post(address.url, _body("y" * 5000))
    assert status == 413
    _assert_error(payload, 413, "INVALID_ARGUMENT", "the maximum is 2048 bytes")
    assert scorer.calls == []


async def test_the_fallback_answers_profanity_only_and_says_it_is_the_fallback() -> None:
    fallback = StaticScorer({"darn": {"profanity": 0.9}}, labels=frozenset({"profanity"}), name="profanity-check")
    fallback._model = ModelInfo("profanity-check", "1.9.1", fallback=True, note="no checkpoint")
    async with running(fallback) as (address, _):
        status, payload, _ = await _post(address.url, _body("darn it"))
        assert status == 400
        _assert_error(payload, 400, "INVALID_ARGUMENT", "TOXICITY is not supported by the live model "
                      "profanity-check 1.9.1 (FALLBACK")
        assert "PROFANITY" in payload["error"]["message"]
        status, payload, headers = await _post(address.url, _body("darn it", PROFANITY={}))
    assert status == 200
    assert payload["attributeScores"]["PROFANITY"]["summaryScore"]["value"] == 0.9
    assert headers["X-Modbot-Model"] == "profanity-check"
    assert headers["X-Modbot-Model-Fallback"] == "true"


async def test_unknown_paths_and_methods_answer_in_the_same_shape() -> None:
    async with running(StaticScorer()) as (address, _), aiohttp.ClientSession() as session:
        async with session.post(address.url + "/v1alpha1/comments:nothing", json={}) as response:
            assert response.status == 404
            _assert_error(await response.json(), 404, "NOT_FOUND", "No such method")
        async with session.get(address.url + ANALYZE) as response:
            assert response.status == 405
            _assert_error(await response.json(), 405, "INVALID_ARGUMENT", "not allowed")
        async with session.get(address.url + "/$discovery/rest", params={"version": "v9"}) as response:
            assert response.status == 404


async def test_per_key_rate_limit_is_429_with_retry_after_and_other_keys_go_on() -> None:
    from tests.serve.support import OTHER_KEY

    settings = ServeSettings(rate_per_key=0.5, burst_per_key=2)
    async with running(StaticScorer(), settings, keys=(KEY, OTHER_KEY)) as (address, _):
        statuses = [(await _post(address.url, _body()))[0] for _ in range(2)]
        status, payload, headers = await _post(address.url, _body())
        other, _, _ = await _post(address.url, _body(), key=OTHER_KEY)
    assert statuses == [200, 200]
    assert status == 429
    _assert_error(payload, 429, "RESOURCE_EXHAUSTED", "Quota exceeded")
    assert int(headers["Retry-After"]) >= 1
    assert other == 200


async def test_span_annotations_score_each_sentence_with_offsets() -> None:
    text = "What a lovely article. You are hateful!  Thanks."
    async with running(StaticScorer()) as (address, _):
        status, payload, _ = await _post(address.url, {**_body(text, TOXICITY={}, INSULT={}),
                                                        "spanAnnotations": True})
    assert status == 200
    spans = payload["attributeScores"]["TOXICITY"]["spanScores"]
    assert [text[span["begin"]:span["end"]] for span in spans] == [
        "What a lovely article.", "You are hateful!", "Thanks."]
    assert [span["score"]["value"] for span in spans] == [0.01, 0.97, 0.01]
    assert payload["attributeScores"]["INSULT"]["summaryScore"]["value"] == 0.8


async def test_score_threshold_leaves_out_low_attributes() -> None:
    async with running(StaticScorer()) as (address, _):
        status, payload, _ = await _post(address.url, _body("fine", TOXICITY={"scoreThreshold": 0.5}, INSULT={}))
    assert status == 200
    assert set(payload["attributeScores"]) == {"INSULT"}
