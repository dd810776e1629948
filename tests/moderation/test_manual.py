"""ManualActions and CaseReverser on a real SQLite case log, with a recording enforcer and remedies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.moderation.manual import ManualActions, ManualRequest
from bot.moderation.remedies import RemedyFailed
from bot.moderation.reversal import CaseReverser
from bot.records import Action, ActionKind, Actor, Case, CaseStatus, Decision, Enforcement, MessageEvent
from bot.storage.cases import CaseRepository
from bot.storage.database import Database
from bot.storage.strikes import StrikeLedger

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class RecordingEnforcer:
    def __init__(self) -> None:
        self.calls: list[tuple[MessageEvent, Decision]] = []

    async def enforce(self, event: MessageEvent, decision: Decision, case: Case | None) -> Enforcement:
        self.calls.append((event, decision))
        return Enforcement(applied=tuple(a.kind for a in decision.actions), notified=True)


class Remedies:
    def __init__(self, fail_unban: bool = False) -> None:
        self.done: list[str] = []
        self._fail_unban = fail_unban

    async def lift_timeout(self, guild_id: int, user_id: int, reason: str) -> None:
        self.done.append(f"lift {user_id}")

    async def unban(self, guild_id: int, user_id: int, reason: str) -> None:
        if self._fail_unban:
            raise RemedyFailed("ban: 403 Missing Permissions (50013)")
        self.done.append(f"unban {user_id}")

    async def restore(self, case: Case) -> int:
        self.done.append(f"restore {case.number}")
        return 999


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with Database.open(tmp_path / "cases.db") as opened:
        yield opened


@pytest.fixture
def cases(db: Database) -> CaseRepository:
    return CaseRepository(db)


def service(cases: CaseRepository, enforcer: RecordingEnforcer, remedies: Remedies, db: Database) -> ManualActions:
    return ManualActions(cases=cases, enforcer=enforcer, strikes=StrikeLedger(db), remedies=remedies,
                         clock=lambda: NOW)


async def test_a_manual_timeout_is_a_moderator_case_through_the_enforcer(cases: CaseRepository, db: Database) -> None:
    enforcer = RecordingEnforcer()
    manual = service(cases, enforcer, Remedies(), db)

    result = await manual.act(ManualRequest(1, 10, 20, 30, Action(ActionKind.TIMEOUT, timedelta(hours=2)), "spam"))

    assert result.case.actor is Actor.MODERATOR and result.case.actor_id == 30
    assert result.case.applied == (ActionKind.TIMEOUT,) and result.case.reason == "spam"
    ((event, decision),) = enforcer.calls
    assert event.author_id == 20 and decision.actions == (Action(ActionKind.TIMEOUT, timedelta(hours=2)),)
    assert "spam" in (decision.user_message or "")
    assert await StrikeLedger(db).active(1, 20) == 1


async def test_no_delete_by_hand_and_nobody_acts_on_themselves(cases: CaseRepository, db: Database) -> None:
    manual = service(cases, RecordingEnforcer(), Remedies(), db)
    with pytest.raises(ValueError, match="cannot be given by hand"):
        await manual.act(ManualRequest(1, 10, 20, 30, Action(ActionKind.DELETE), "x"))
    with pytest.raises(ValueError, match="themselves"):
        await manual.act(ManualRequest(1, 10, 30, 30, Action(ActionKind.WARN), "x"))


async def test_reverse_undoes_what_it_can_and_reports_the_rest(cases: CaseRepository, db: Database) -> None:
    manual = service(cases, RecordingEnforcer(), Remedies(), db)
    banned = await manual.act(ManualRequest(1, 10, 20, 30, Action(ActionKind.BAN), "raid"))
    remedies = Remedies(fail_unban=True)

    result = await CaseReverser(cases, remedies).reverse(1, banned.case.number, 31, "wrong person")

    assert result.case.status is CaseStatus.REVERSED and result.case.reversed_by == 31
    assert result.errors == ("ban: 403 Missing Permissions (50013)",)
    assert "could not" in result.summary()
    again = await CaseReverser(cases, remedies).reverse(1, banned.case.number, 31, "")
    assert again.already
