"""ManualActions and CaseReverser on a real SQLite case log, with a recording enforcer and remedies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.manual import ManualActions, ManualRequest
from bot.moderation.reversal import CaseReverser
from bot.records import Action, ActionKind, Actor, CaseStatus
from bot.storage.cases import CaseRepository
from bot.storage.database import Database
from bot.storage.strikes import StrikeLedger
from tests.support import RecordingEnforcer, RecordingRemedies

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def cases(db: Database) -> CaseRepository:
    return CaseRepository(db)


def service(
    cases: CaseRepository, enforcer: RecordingEnforcer, remedies: RecordingRemedies, db: Database
) -> ManualActions:
    return ManualActions(cases=cases, executor=CaseExecutor(enforcer, cases), strikes=StrikeLedger(db),
                         remedies=remedies, clock=lambda: NOW)


async def test_a_manual_timeout_is_a_moderator_case_through_the_enforcer(cases: CaseRepository, db: Database) -> None:
    enforcer = RecordingEnforcer()
    manual = service(cases, enforcer, RecordingRemedies(), db)

    result = await manual.act(ManualRequest(1, 10, 20, 30, Action(ActionKind.TIMEOUT, timedelta(hours=2)), "spam"))

    assert result.case.actor is Actor.MODERATOR and result.case.actor_id == 30
    assert result.case.applied == (ActionKind.TIMEOUT,) and result.case.reason == "spam"
    ((message_id, actions, number),) = enforcer.calls
    assert message_id is None and actions == ("timeout 2h",) and number == result.case.number
    assert "spam" in (enforcer.notices[0] or "")
    assert await StrikeLedger(db).active(1, 20) == 1


async def test_no_delete_by_hand_and_nobody_acts_on_themselves(cases: CaseRepository, db: Database) -> None:
    manual = service(cases, RecordingEnforcer(), RecordingRemedies(), db)
    with pytest.raises(ValueError, match="cannot be given by hand"):
        await manual.act(ManualRequest(1, 10, 20, 30, Action(ActionKind.DELETE), "x"))
    with pytest.raises(ValueError, match="themselves"):
        await manual.act(ManualRequest(1, 10, 30, 30, Action(ActionKind.WARN), "x"))


async def test_reverse_undoes_what_it_can_and_reports_the_rest(cases: CaseRepository, db: Database) -> None:
    manual = service(cases, RecordingEnforcer(), RecordingRemedies(), db)
    banned = await manual.act(ManualRequest(1, 10, 20, 30, Action(ActionKind.BAN), "raid"))
    remedies = RecordingRemedies(fail_unban=True)

    result = await CaseReverser(cases, remedies, lambda: NOW).reverse(1, banned.case.number, 31, "wrong person")

    assert result.case.status is CaseStatus.REVERSED and result.case.reversed_by == 31
    assert result.errors == ("ban: 403 Missing Permissions (50013)",)
    assert "could not" in result.summary()
    again = await CaseReverser(cases, remedies, lambda: NOW).reverse(1, banned.case.number, 31, "")
    assert again.already
