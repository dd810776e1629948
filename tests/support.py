"""Test helpers shared across the suite."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from bot.moderation.rules import RuleSet
from bot.records import ActionKind, Case, CaseQuery, Enforcement, ModelInfo, Scores

TEST_LABELS = frozenset({"toxicity", "severe_toxicity", "insult", "threat"})


class StaticScorer:
    """Scores from a table of trigger words: a word's scores apply when the text contains it.

    Deterministic and instant, so tests of rules and the pipeline can say exactly what they expect.
    """

    def __init__(
        self,
        table: Mapping[str, Mapping[str, float]] | None = None,
        *,
        labels: frozenset[str] = TEST_LABELS,
        name: str = "test/static",
        floor: float = 0.01,
    ) -> None:
        self.table = dict(table or {"hateful": {"toxicity": 0.97, "insult": 0.8}, "rude": {"toxicity": 0.7}})
        self.calls: list[str] = []
        self._labels = labels
        self._floor = floor
        self._model = ModelInfo(name, "1")

    @property
    def model(self) -> ModelInfo:
        return self._model

    @property
    def labels(self) -> frozenset[str]:
        return self._labels

    async def score(self, texts: Sequence[str]) -> list[Scores]:
        results = []
        for text in texts:
            self.calls.append(text)
            values = dict.fromkeys(sorted(self._labels), self._floor)
            for word, scores in self.table.items():
                if word in text.casefold():
                    for label, value in scores.items():
                        values[label] = max(values[label], value)
            results.append(Scores(values, self._model))
        return results

    async def close(self) -> None:
        return None


async def wait_until(condition: Callable[[], bool], within: float = 10.0, step: float = 0.02) -> bool:
    """Poll `condition` until it holds or `within` seconds pass: for state another thread changes, where a fixed
    sleep would make a test flaky on a busy machine."""
    for _ in range(max(1, int(within / step))):
        if condition():
            return True
        await asyncio.sleep(step)
    return condition()


class RecordingEnforcer:
    """Carries nothing out; remembers each case it was asked to carry out, and can fail like a crash does."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[tuple[int | None, tuple[str, ...], int]] = []  # (message id, actions, case number)
        self.notices: list[str | None] = []
        self.fail_with = fail_with

    async def enforce(self, case: Case, notice: str | None = None) -> Enforcement:
        self.calls.append((case.message_id, tuple(str(a) for a in case.actions), case.number))
        self.notices.append(notice)
        if self.fail_with:
            raise self.fail_with
        warned = any(action.kind is ActionKind.WARN for action in case.actions)
        return Enforcement(applied=tuple(a.kind for a in case.actions), notified=True if warned else None)


class CaseLister(Protocol):
    async def find(self, query: CaseQuery) -> list[Case]: ...


async def all_cases(cases: CaseLister, guild_id: int | None = None) -> list[Case]:
    """Every case in the log (of one server when given), oldest first."""
    return await cases.find(CaseQuery(guild_id=guild_id, limit=1_000_000))


class RecordingRemedies:
    """Undoes nothing on a platform; remembers what it was asked to undo, and can refuse an unban."""

    def __init__(self, fail_unban: bool = False) -> None:
        self.done: list[str] = []
        self._fail_unban = fail_unban

    async def lift_timeout(self, guild_id: int, user_id: int, reason: str) -> None:
        self.done.append(f"lift {user_id}")

    async def unban(self, guild_id: int, user_id: int, reason: str) -> None:
        if self._fail_unban:
            from bot.moderation.remedies import RemedyFailed

            raise RemedyFailed("ban: 403 Missing Permissions (50013)")
        self.done.append(f"unban {user_id}")

    async def restore(self, case: Case) -> int:
        self.done.append(f"restore {case.number}")
        return 999

    # ThreadRemedies (heat control)
    async def slowmode_delay(self, guild_id: int, channel_id: int) -> int:
        return 5

    async def set_slowmode(self, guild_id: int, channel_id: int, seconds: int, reason: str) -> None:
        self.done.append(f"slowmode {channel_id} {seconds}")

    async def unlock(self, guild_id: int, channel_id: int, reason: str, note: str | None = None) -> None:
        self.done.append(f"unlock {channel_id}")


class FixedRules:
    """The same rules in every server (`RulesForGuild` over one RuleSet)."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def for_guild(self, guild_id: int) -> RuleSet:
        return self.rules


def tamper(path: Path, *statements: str) -> None:
    """What someone holding the database file can do: drop the append-only triggers, then run `statements`."""
    with sqlite3.connect(path) as conn:
        for trigger in ("cases_no_delete", "case_events_no_delete", "case_events_no_update"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for sql in statements:
            conn.execute(sql)
