"""What the service needs from the rest of modbot, as protocols; the composition passes the real objects in."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.records import SuggestedScore


class SuggestionSink(Protocol):
    """Keeps `comments:suggestscore` verdicts (bot.storage.suggestions.SuggestionRepository implements it)."""

    async def add(self, suggestion: SuggestedScore) -> int: ...


class QueueStats(Protocol):
    """What `/healthz` and `/metrics` read from a batching scorer (bot.scoring.worker.WorkerStats has these)."""

    @property
    def queue_depth(self) -> int: ...

    @property
    def batches(self) -> int: ...

    @property
    def batched_texts(self) -> int: ...

    @property
    def timeouts(self) -> int: ...

    @property
    def requests(self) -> int: ...

    @property
    def cache_hits(self) -> int: ...


@runtime_checkable
class HasStats(Protocol):
    def stats(self) -> QueueStats: ...
