"""Prometheus metrics (prometheus_client), in a registry per service so that several can live in one process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.serve.ports import QueueStats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _WorkerCollector(Collector):
    """Reads the batching worker's counters at scrape time (mean batch size = batched_texts / batches)."""

    def __init__(self, stats: Callable[[], QueueStats | None]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self._stats()
        if stats is None:
            return
        yield GaugeMetricFamily("modbot_scorer_queue_depth", "Texts waiting in the batching worker's queue.",
                                value=stats.queue_depth)
        yield CounterMetricFamily("modbot_scorer_batches", "Batches the worker ran.", value=stats.batches)
        yield CounterMetricFamily("modbot_scorer_batched_texts", "Texts scored in those batches.",
                                  value=stats.batched_texts)
        yield CounterMetricFamily("modbot_scorer_timeouts", "Texts that got the timeout outcome.",
                                  value=stats.timeouts)
        yield CounterMetricFamily("modbot_scorer_cache_hits", "Texts answered from the worker's cache.",
                                  value=stats.cache_hits)


class ServeMetrics:
    def __init__(self, stats: Callable[[], QueueStats | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("modbot_serve_requests", "HTTP requests answered, by method and status code.",
                                ["method", "code"], registry=self.registry)
        self.latency = Histogram("modbot_serve_request_seconds", "Time to answer, by method.", ["method"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.texts = Histogram("modbot_serve_texts_per_request", "Texts one analysis sent to the scorer "
                               "(1 + sentences with spanAnnotations).", buckets=(1, 2, 4, 8, 16, 32, 64),
                               registry=self.registry)
        self.pending = Gauge("modbot_serve_pending", "Analyses admitted and not yet answered.",
                             registry=self.registry)
        self.rejected = Counter("modbot_serve_rejected", "Requests refused before scoring, by reason.",
                                ["reason"], registry=self.registry)
        self.timeouts = Counter("modbot_serve_timeouts", "Analyses answered 503 because scoring timed out.",
                                registry=self.registry)
        self.registry.register(_WorkerCollector(stats))

    def render(self) -> bytes:
        return generate_latest(self.registry)
