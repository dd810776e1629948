"""The batching scorer around a real detoxify engine: order, batching, cache, timeouts, restarts, backpressure.

The wrappers below are real engines with one extra behaviour each (count, wait, crash), injected the same
way the factory injects detoxify.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from bot.records import ModelInfo
from bot.scoring.detoxify_engine import DetoxifyEngine
from bot.scoring.engine import InferenceEngine, Prediction
from bot.scoring.labels import ORIGINAL_LABELS
from bot.scoring.worker import BatchingScorer, ScorerClosed
from bot.settings import ScoringSettings
from tests.support import wait_until
from tests.synthetic import SyntheticCheckpoint


class Recording:
    """Delegates to a real engine; records every batch; can hold batches until released; can crash."""

    def __init__(self, inner: InferenceEngine, crash_on: str | None = None) -> None:
        self.inner = inner
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.crash_on = crash_on
        self.started = threading.Event()
        self.closed = 0

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    @property
    def labels(self) -> frozenset[str]:
        return self.inner.labels

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.started.set()
        self.gate.wait(timeout=10)
        self.batches.append(list(texts))
        if self.crash_on is not None and self.crash_on in texts:
            self.crash_on = None  # once
            raise RuntimeError("inference exploded")
        return self.inner.predict(texts)

    def close(self) -> None:
        self.closed += 1
        self.gate.set()


@pytest.fixture(scope="module")
def engine(original_ckpt: SyntheticCheckpoint) -> DetoxifyEngine:
    return DetoxifyEngine("original", original_ckpt.path, quantize="none", torch_threads=1)


async def test_concurrent_single_requests_are_batched_and_answered_in_order(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    scorer = BatchingScorer(recording, batch_size=8, max_wait_s=0.02, cache_size=0)
    texts = [f"message number {index} " + "word " * (index % 7) for index in range(24)]
    try:
        results = await asyncio.gather(*(scorer.score([text]) for text in texts))
    finally:
        await scorer.close()
    expected = engine.predict(texts)
    for (scores,), want in zip(results, expected, strict=True):
        assert not scores.timed_out
        assert scores.values == pytest.approx(want, abs=1e-5)
        assert scores.model.name == "detoxify/original"
    assert len(recording.batches) < len(texts)  # grouped, not one forward pass per message
    assert max(len(batch) for batch in recording.batches) > 1
    assert sum(len(batch) for batch in recording.batches) == len(texts)


async def test_a_scorer_that_does_not_own_its_engine_leaves_it_open(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    for _ in range(2):  # one engine, two scorers in turn (as a benchmark that measures twice)
        scorer = BatchingScorer.from_settings(recording, ScoringSettings(cache_size=0), owns_engine=False)
        (scores,) = await scorer.score(["still open"])
        await scorer.close()
        assert not scores.timed_out and recording.closed == 0
    owner = BatchingScorer.from_settings(recording, ScoringSettings())
    await owner.close()
    assert recording.closed == 1


async def test_score_many_texts_in_one_call_keeps_order(engine: DetoxifyEngine) -> None:
    scorer = BatchingScorer(Recording(engine), batch_size=4)
    texts = ["b" * 300, "hi", "a medium length message here", "", "😀"]
    try:
        results = await scorer.score(texts)
    finally:
        await scorer.close()
    for scores, want in zip(results, engine.predict(texts), strict=True):
        assert scores.values == pytest.approx(want, abs=1e-5)


async def test_identical_texts_are_scored_once(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    scorer = BatchingScorer(recording, cache_size=16)
    try:
        first = await asyncio.gather(*(scorer.score(["lol"]) for _ in range(5)))  # in flight together
        again = await scorer.score(["lol"])  # from the cache
    finally:
        await scorer.close()
    assert sum(batch.count("lol") for batch in recording.batches) == 1
    assert all(result[0].values == again[0].values for result in first)
    stats = scorer.stats()
    assert stats.cache_hits == 1
    assert stats.shared == 4


async def test_cache_is_bounded(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    scorer = BatchingScorer(recording, cache_size=2)
    try:
        for text in ("one", "two", "three", "one"):
            await scorer.score([text])
    finally:
        await scorer.close()
    assert [text for batch in recording.batches for text in batch] == ["one", "two", "three", "one"]


async def test_timeout_gives_the_timeout_outcome_not_a_drop(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    recording.gate.clear()  # inference stalls
    scorer = BatchingScorer(recording, timeout_s=0.2, hang_after_s=5.0)
    try:
        (scores,) = await scorer.score(["slow message"])
        assert scores.timed_out
        assert scores.values == {}
        assert scores.model.name == "detoxify/original"
        recording.gate.set()
        (later,) = await scorer.score(["another message"])
        assert not later.timed_out
    finally:
        recording.gate.set()
        await scorer.close()
    assert scorer.stats().timeouts == 1


async def test_crashed_worker_is_restarted_and_loses_nothing(engine: DetoxifyEngine) -> None:
    recording = Recording(engine, crash_on="boom")
    scorer = BatchingScorer(recording, batch_size=4, max_wait_s=0.05, timeout_s=5.0)
    texts = ["boom", "first", "second", "third", "after one", "after two"]
    try:
        results = await asyncio.gather(*(scorer.score([text]) for text in texts))
        (after,) = await scorer.score(["after the restart"])
    finally:
        await scorer.close()
    outcomes = {text: result[0] for text, result in zip(texts, results, strict=True)}
    assert len(outcomes) == len(texts)  # every request answered
    assert outcomes["boom"].timed_out  # the crashed batch gets the timeout outcome
    crashed = next(batch for batch in recording.batches if "boom" in batch)
    assert all(outcomes[text].timed_out for text in crashed)
    assert all(not outcomes[text].timed_out for text in texts if text not in crashed)
    assert not after.timed_out and set(after.values) == set(ORIGINAL_LABELS)
    stats = scorer.stats()
    assert stats.restarts == 1 and stats.failed_batches == 1


async def test_hung_inference_thread_is_replaced(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    recording.gate.clear()
    scorer = BatchingScorer(recording, timeout_s=1.0, hang_after_s=1.5)
    try:
        (stuck,) = await scorer.score(["stuck"])
        assert stuck.timed_out
        # past hang_after_s the dispatcher gives up on that thread; poll rather than sleep a fixed time,
        # so a busy machine cannot make this test flaky
        assert await wait_until(lambda: scorer.stats().restarts > 0, within=20.0)
        assert scorer.stats().restarts == 1
        recording.gate.set()  # the old thread finishes late; its result is dropped, nothing breaks
        (fresh,) = await scorer.score(["fresh"])
        assert not fresh.timed_out
    finally:
        recording.gate.set()
        await scorer.close()


async def test_full_queue_applies_backpressure_and_everyone_is_answered(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    recording.gate.clear()
    scorer = BatchingScorer(recording, batch_size=2, queue_size=2, max_wait_s=0.0, timeout_s=5.0)
    try:
        tasks = [asyncio.create_task(scorer.score([f"text {index}"])) for index in range(10)]
        await wait_until(lambda: scorer.stats().queue_depth >= 2)
        await asyncio.sleep(0.1)  # give the waiting callers every chance to overfill it
        assert scorer.stats().queue_depth == 2  # bounded: the other callers wait to get in
        recording.gate.set()
        results = await asyncio.gather(*tasks)
    finally:
        recording.gate.set()
        await scorer.close()
    assert all(not result[0].timed_out for result in results)
    assert sum(len(batch) for batch in recording.batches) == 10


async def test_queue_full_past_deadline_times_out(engine: DetoxifyEngine) -> None:
    recording = Recording(engine)
    recording.gate.clear()
    scorer = BatchingScorer(recording, batch_size=1, queue_size=1, max_wait_s=0.0, timeout_s=0.2,
                            hang_after_s=5.0)
    try:
        results = await asyncio.gather(*(scorer.score([f"t{index}"]) for index in range(4)))
    finally:
        recording.gate.set()
        await scorer.close()
    assert all(result[0].timed_out for result in results)
    assert scorer.stats().timeouts == 4


async def test_closed_scorer_refuses(engine: DetoxifyEngine) -> None:
    scorer = BatchingScorer(Recording(engine))
    await scorer.close()
    with pytest.raises(ScorerClosed):
        await scorer.score(["late"])


async def test_close_leaves_no_task_or_thread_behind(engine: DetoxifyEngine) -> None:
    """The dispatcher starts with the first request and runs until close (what bench/load.py --soak sees as
    running at the end); once closed, none of the scorer's tasks or inference threads remain."""
    tasks_before, threads_before = asyncio.all_tasks(), set(threading.enumerate())
    scorer = BatchingScorer(Recording(engine), cache_size=0)
    await scorer.score(["first", "second"])
    assert {task.get_name() for task in asyncio.all_tasks() - tasks_before} == {"modbot-scorer-dispatch"}
    await scorer.close()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - tasks_before == set()
    assert [t.name for t in set(threading.enumerate()) - threads_before if t.name.startswith("modbot-")] == []
