"""The seams between packages. Each side depends on these, never on the other side's classes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.records import Case, CaseDraft, Decision, Enforcement, MessageEvent, ModelInfo, Scores

Clock = Callable[[], datetime]


class Scorer(Protocol):
    """Turns texts into per-label probabilities in [0, 1]. Implementations live in `bot.scoring`."""

    @property
    def model(self) -> ModelInfo: ...

    @property
    def labels(self) -> frozenset[str]: ...

    async def score(self, texts: Sequence[str]) -> list[Scores]: ...

    async def close(self) -> None: ...


@runtime_checkable
class WordWeights(Protocol):
    """An optional capability of a `Scorer`: per-word weights read off a linear model (the fallback), so an
    explanation needs no occlusion. `None` when the live model is not linear (then occlusion explains)."""

    async def word_weights(self, text: str, label: str) -> list[tuple[str, float]] | None: ...


class Enforcer(Protocol):
    """Carries a recorded case out (on Discord, or nowhere for dry runs) and reports what happened.

    `notice` is the text of the warning DM when the rule (or the moderator) wrote one; otherwise the enforcer
    words it from the case's rule and reason."""

    async def enforce(self, case: Case, notice: str | None = None) -> Enforcement: ...


class CaseStore(Protocol):
    """What the moderation pipeline needs from storage."""

    async def record_decision(
        self,
        event: MessageEvent,
        content_hash: str,
        scores: Scores,
        decision: Decision,
        draft: CaseDraft | None,
        at: datetime,
    ) -> tuple[bool, Case | None]:
        """Claim the message at this content and write its case atomically; (False, None) if already claimed."""
        ...

    async def record_enforcement(self, case_id: int, enforcement: Enforcement) -> Case: ...

    async def unenforced(self, guild_id: int | None = None) -> list[Case]:
        """Cases recorded by the bot whose actions were never carried out (the process died in between)."""
        ...

    async def strike_times(self, guild_id: int, user_id: int, since: datetime) -> list[datetime]: ...

    async def already_processed(self, message_id: int, content_hash: str) -> bool: ...
