"""bot.scoring.remote against a `modbot serve` on a loopback port: same scores, the model named, timeouts."""

from __future__ import annotations

import socket

import pytest
from pydantic import SecretStr

from bot.records import ModelInfo
from bot.scoring.factory import ScorerUnavailable, known_labels, open_scorer
from bot.scoring.remote import RemoteScorer, RemoteUnavailable
from bot.scoring.worker import BatchingScorer
from bot.settings import RemoteScoringSettings, ScoringSettings
from tests.serve.support import KEY, SlowEngine, running
from tests.support import StaticScorer

ATTRIBUTES = ("TOXICITY", "SEVERE_TOXICITY", "INSULT", "THREAT")


def _remote(url: str, key: str = KEY, timeout: float = 5.0,
            attributes: tuple[str, ...] = ATTRIBUTES) -> RemoteScoringSettings:
    return RemoteScoringSettings.model_validate(
        {"url": url, "key": SecretStr(key), "timeout": timeout, "attributes": attributes})


async def test_remote_scores_match_the_in_process_scorer_and_name_its_model() -> None:
    local = StaticScorer()
    async with running(local) as (address, _):
        remote = await open_scorer(ScoringSettings(remote=_remote(address.url + "/")))
        try:
            texts = ["you are hateful", "a kind word", "rude and hateful"]
            got = await remote.score(texts)
            want = await local.score(texts)
        finally:
            await remote.close()
    assert isinstance(remote, RemoteScorer)
    assert [scores.values for scores in got] == [scores.values for scores in want]
    assert all(not scores.timed_out for scores in got)
    assert got[0].model.name == "test/static" and got[0].model.version == "1"
    assert got[0].model.note == f"via 127.0.0.1:{address.port}"
    assert remote.labels == frozenset({"toxicity", "severe_toxicity", "insult", "threat"})


async def test_a_slow_service_gives_the_timeout_outcome() -> None:
    scorer = BatchingScorer(SlowEngine(delay=1.0, labels=frozenset({"toxicity"})), timeout_s=5.0)
    try:
        async with running(scorer) as (address, _):
            remote = await RemoteScorer.open(_remote(address.url, timeout=0.3, attributes=("TOXICITY",)),
                                             probe=False)
            try:
                [scores] = await remote.score(["this takes a while"])
            finally:
                await remote.close()
    finally:
        await scorer.close()
    assert scores.timed_out is True and dict(scores.values) == {}
    assert remote.timeouts == 1


async def test_a_service_gone_away_gives_the_timeout_outcome() -> None:
    async with running(StaticScorer()) as (address, _):
        remote = await RemoteScorer.open(_remote(address.url))
    try:
        [scores] = await remote.score(["anyone there?"])  # the service has stopped
    finally:
        await remote.close()
    assert scores.timed_out is True
    assert scores.model.name == "test/static"  # the last model it heard from


async def test_start_up_refuses_a_bad_key_or_an_attribute_the_service_cannot_give() -> None:
    async with running(StaticScorer()) as (address, _):
        with pytest.raises(ScorerUnavailable, match="answered 400: API key not valid"):
            await open_scorer(ScoringSettings(remote=_remote(address.url, key="wrong-key-wrong-key")))
        with pytest.raises(RemoteUnavailable, match="PROFANITY is not supported"):
            await RemoteScorer.open(_remote(address.url, attributes=("PROFANITY",)))


async def test_start_up_refuses_an_unreachable_url() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(RemoteUnavailable, match="is unreachable"):
        await RemoteScorer.open(_remote(f"http://127.0.0.1:{port}", timeout=2.0))


async def test_the_fallback_behind_a_serve_is_named_as_the_fallback() -> None:
    fallback = StaticScorer({"darn": {"profanity": 0.9}}, labels=frozenset({"profanity"}), name="profanity-check")
    fallback._model = ModelInfo("profanity-check", "1.9.1", fallback=True)
    async with running(fallback) as (address, _):
        remote = await RemoteScorer.open(_remote(address.url, attributes=("PROFANITY",)))
        try:
            [scores] = await remote.score(["darn"])
        finally:
            await remote.close()
    assert dict(scores.values) == {"profanity": 0.9}
    assert scores.model.fallback is True
    assert "FALLBACK" in scores.model.describe()
    assert remote.labels == frozenset({"profanity"})


def test_known_labels_for_a_remote_include_profanitys_two_names() -> None:
    settings = ScoringSettings(remote=_remote("http://127.0.0.1:1", attributes=("TOXICITY", "PROFANITY")))
    assert known_labels(settings) == frozenset({"toxicity", "obscene", "profanity"})
