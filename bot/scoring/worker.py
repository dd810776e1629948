"""The scorer the bot talks to: a bounded queue feeding one inference thread, in batches.

Many tasks call `score([text])` concurrently. Requests wait in a bounded asyncio queue (a full queue makes
callers wait: backpressure); a dispatcher task takes up to `batch_size` of them, waiting at most `max_wait`
for more, and hands them to the engine on a single inference thread, in one call: the engine shapes its own
forward passes (length groups, so that padding costs little). Identical texts are scored once: an LRU
cache for finished ones, and in-flight requests for the same text are shared.

Nothing is dropped silently: every caller gets scores, or, past its deadline, `Scores(timed_out=True)`.
If inference raises or hangs, the thread is replaced (a restart) and the requests it held get that
timeout outcome.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.records import ModelInfo, Scores
from bot.scoring.cache import LruCache
from bot.scoring.engine import InferenceEngine, LinearEngine, Prediction
from bot.settings import ScoringSettings

log = logging.getLogger(__name__)


class ScorerClosed(RuntimeError):
    """`score` was called after `close`."""


@dataclass(frozen=True, slots=True)
class WorkerStats:
    requests: int
    cache_hits: int
    shared: int  # joined an identical in-flight request
    batches: int
    batched_texts: int
    timeouts: int
    failed_batches: int
    restarts: int
    queue_depth: int


@dataclass(slots=True)
class _Request:
    text: str
    future: asyncio.Future[Prediction | None]  # None: the worker failed or gave up on it
    deadline: float  # loop time


class BatchingScorer:
    """Implements `bot.protocols.Scorer` over any `InferenceEngine`."""

    def __init__(
        self,
        engine: InferenceEngine,
        *,
        batch_size: int = 48,
        max_wait_s: float = 0.0,
        queue_size: int = 1024,
        timeout_s: float = 5.0,
        cache_size: int = 4096,
        hang_after_s: float | None = None,
        owns_engine: bool = True,
    ) -> None:
        self._engine = engine
        self._owns_engine = owns_engine
        self._batch_size = batch_size
        self._max_wait = max_wait_s
        self._timeout = timeout_s
        self._hang_after = hang_after_s if hang_after_s is not None else max(3 * timeout_s, 1.0)
        self._queue: asyncio.Queue[_Request] = asyncio.Queue(maxsize=queue_size)
        self._cache = LruCache(cache_size)
        self._pending: dict[str, _Request] = {}
        self._executor = self._new_executor()
        self._dispatcher: asyncio.Task[None] | None = None
        self._closed = False
        self._requests = self._cache_hits = self._shared = self._batches = self._batched = 0
        self._timeouts = self._failed = self._restarts = 0

    @classmethod
    def from_settings(
        cls, engine: InferenceEngine, settings: ScoringSettings, owns_engine: bool = True
    ) -> BatchingScorer:
        return cls(
            engine,
            owns_engine=owns_engine,
            batch_size=settings.batch_size,
            max_wait_s=settings.max_wait_ms / 1000.0,
            queue_size=settings.queue_size,
            timeout_s=settings.timeout_s,
            cache_size=settings.cache_size,
        )

    @property
    def model(self) -> ModelInfo:
        return self._engine.info

    @property
    def labels(self) -> frozenset[str]:
        return self._engine.labels

    @property
    def engine(self) -> InferenceEngine:
        return self._engine

    def stats(self) -> WorkerStats:
        return WorkerStats(
            requests=self._requests, cache_hits=self._cache_hits, shared=self._shared, batches=self._batches,
            batched_texts=self._batched, timeouts=self._timeouts, failed_batches=self._failed,
            restarts=self._restarts, queue_depth=self._queue.qsize(),
        )

    async def score(self, texts: Sequence[str]) -> list[Scores]:
        if self._closed:
            raise ScorerClosed("the scorer is closed")
        self._ensure_dispatcher()
        return list(await asyncio.gather(*(self._score_one(text) for text in texts)))

    async def word_weights(self, text: str, label: str) -> list[tuple[str, float]] | None:
        """The fallback's per-word weights, read on the inference thread; None for a model that is not linear."""
        engine = self._engine
        if not isinstance(engine, LinearEngine):
            return None
        if self._closed:
            raise ScorerClosed("the scorer is closed")
        return await asyncio.get_running_loop().run_in_executor(self._executor, engine.word_weights, text, label)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
        for request in list(self._pending.values()):
            self._resolve(request, None)
        executor = self._executor
        await asyncio.get_running_loop().run_in_executor(None, lambda: executor.shutdown(wait=True))
        if self._owns_engine:
            self._engine.close()

    # --- callers' side ---------------------------------------------------------------------------------------

    async def _score_one(self, text: str) -> Scores:
        self._requests += 1
        cached = self._cache.get(text)
        if cached is not None:
            self._cache_hits += 1
            return Scores(values=dict(cached), model=self._engine.info)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        request = self._pending.get(text)
        if request is not None:
            self._shared += 1
            request.deadline = max(request.deadline, deadline)
        else:
            request = _Request(text, loop.create_future(), deadline)
            self._pending[text] = request
            try:
                await asyncio.wait_for(self._queue.put(request), timeout=deadline - loop.time())
            except TimeoutError:
                self._resolve(request, None)  # it never got in: the queue stayed full
        try:
            values = await asyncio.wait_for(asyncio.shield(request.future), timeout=deadline - loop.time())
        except TimeoutError:
            values = None
        if values is None:
            self._timeouts += 1
            log.warning("scoring timed_out=1 model=%s chars=%d timeout_s=%s queue=%d",
                        self._engine.info.name, len(text), self._timeout, self._queue.qsize())
            return Scores(values={}, model=self._engine.info, timed_out=True)
        return Scores(values=dict(values), model=self._engine.info)

    # --- the worker's side -----------------------------------------------------------------------------------

    def _ensure_dispatcher(self) -> None:
        if self._dispatcher is None or self._dispatcher.done():
            if self._dispatcher is not None and not self._dispatcher.cancelled():
                error = self._dispatcher.exception()
                self._restart(f"dispatcher ended: {error!r}")
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch_forever(),
                                                                     name="modbot-scorer-dispatch")

    async def _dispatch_forever(self) -> None:
        while True:
            batch = await self._collect()
            try:
                await self._run(batch)
            except asyncio.CancelledError:
                for request in batch:
                    self._resolve(request, None)
                raise
            except Exception as exc:  # a bug here must not strand the batch's callers
                log.exception("scoring dispatcher error")
                for request in batch:
                    self._resolve(request, None)
                self._restart(f"dispatcher error: {exc!r}")

    async def _collect(self) -> list[_Request]:
        loop = asyncio.get_running_loop()
        batch = [await self._queue.get()]
        until = loop.time() + self._max_wait
        while len(batch) < self._batch_size:
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = until - loop.time()
            if remaining <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), timeout=remaining))
            except TimeoutError:
                break
        return batch

    async def _run(self, batch: list[_Request]) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        live: list[_Request] = []
        for request in batch:
            if request.future.done() or now >= request.deadline:
                self._resolve(request, None)  # its callers already got the timeout outcome
            else:
                live.append(request)
        if not live:
            return
        started = time.perf_counter()
        work = loop.run_in_executor(self._executor, _predict, self._engine, [request.text for request in live])
        try:
            predictions = await asyncio.wait_for(asyncio.shield(work), timeout=self._hang_after)
        except TimeoutError:
            work.add_done_callback(_swallow)
            self._fail(live, f"inference hung for more than {self._hang_after:.1f}s")
            return
        except Exception as exc:
            self._fail(live, f"inference raised {exc!r}")
            return
        self._batches += 1
        self._batched += len(live)
        for request, prediction in zip(live, predictions, strict=True):
            self._cache.put(request.text, prediction)
            self._resolve(request, prediction)
        log.debug("scoring batch=%d ms=%.1f", len(live), (time.perf_counter() - started) * 1000)

    def _fail(self, requests: list[_Request], reason: str) -> None:
        self._failed += 1
        for request in requests:
            self._resolve(request, None)
        self._restart(reason)
        log.error("scoring worker_failed=1 requests=%d outcome=timed_out reason=%r", len(requests), reason)

    def _restart(self, reason: str) -> None:
        self._restarts += 1
        old = self._executor
        self._executor = self._new_executor()
        old.shutdown(wait=False)
        log.warning("scoring worker_restart=%d reason=%r", self._restarts, reason)

    def _resolve(self, request: _Request, values: Prediction | None) -> None:
        if self._pending.get(request.text) is request:
            del self._pending[request.text]
        if not request.future.done():
            request.future.set_result(values)

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="modbot-inference")


def _predict(engine: InferenceEngine, texts: list[str]) -> list[Prediction]:
    """Runs on the inference thread: the whole batch in one call (the engine shapes its own forward passes)."""
    predictions = engine.predict(texts)
    if len(predictions) != len(texts):
        raise RuntimeError(f"engine returned {len(predictions)} predictions for {len(texts)} texts")
    return predictions


def _swallow(future: asyncio.Future[list[Prediction]]) -> None:
    if not future.cancelled():
        future.exception()  # a late failure of an abandoned batch is already reported
