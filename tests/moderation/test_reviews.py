"""ReviewDesk: moderators' verdicts on flagged messages, on a real case log and review queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.reversal import CaseReverser
from bot.moderation.reviews import ReviewDesk, Verdict, review_draft
from bot.records import Action, ActionKind, Actor, CaseDraft, CaseStatus, Enforcement, ReviewStatus
from bot.storage.cases import CaseRepository
from bot.storage.database import Database
from bot.storage.reviews import ReviewRepository
from tests.support import RecordingEnforcer, RecordingRemedies, all_cases

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def cases(db: Database) -> CaseRepository:
    return CaseRepository(db)


def desk(db: Database, cases: CaseRepository, enforcer: RecordingEnforcer, remedies: RecordingRemedies) -> ReviewDesk:
    return ReviewDesk(
        reviews=ReviewRepository(db), cases=cases, reverser=CaseReverser(cases, remedies, lambda: NOW),
        executor=CaseExecutor(enforcer, cases), clock=lambda: NOW, timeout=timedelta(hours=1),
    )


async def flagged(db: Database, cases: CaseRepository, *actions: Action) -> tuple[int, int]:
    """A bot case (flag plus what escalation added), carried out, and its review item; (case id, item id)."""
    case = await cases.record_case(CaseDraft(
        guild_id=1, user_id=7, channel_id=10, message_id=500, actor=Actor.AUTO, actor_id=None, rule_id="review",
        actions=(Action(ActionKind.FLAG), *actions), reason="toxicity 0.7; escalation: 3 strikes in 24h",
        text="you are all sheep", strike=True, created_at=NOW,
    ))
    await cases.record_enforcement(case.id, Enforcement(applied=tuple(a.kind for a in case.actions)))
    item = await ReviewRepository(db).open(review_draft(case), at=NOW)
    return case.id, item.id


async def test_approving_lifts_a_timeout_that_escalation_added(db: Database, cases: CaseRepository) -> None:
    # The bug: approval reversed the case in storage only, so the escalation's timeout stayed in force.
    case_id, item_id = await flagged(db, cases, Action(ActionKind.TIMEOUT, timedelta(hours=1)))
    remedies = RecordingRemedies()

    result = await desk(db, cases, RecordingEnforcer(), remedies).decide(item_id, Verdict.APPROVE, 99)

    assert remedies.done == ["lift 7"]
    assert result.case is not None and result.case.status is CaseStatus.REVERSED and result.case.reversed_by == 99
    assert result.reversal is not None and "timeout lifted" in result.reversal.undone
    assert result.item.status is ReviewStatus.APPROVED and result.item.reviewer_id == 99
    assert (await cases.get_by_id(case_id)).status is CaseStatus.REVERSED


async def test_approving_restores_a_message_the_bot_removed(db: Database, cases: CaseRepository) -> None:
    _, item_id = await flagged(db, cases, Action(ActionKind.DELETE))
    remedies = RecordingRemedies()
    result = await desk(db, cases, RecordingEnforcer(), remedies).decide(item_id, Verdict.APPROVE, 99)
    assert remedies.done == ["restore 1"] and result.restored_message_id == 999


async def test_timeout_verdict_is_a_moderator_case_carried_out_once(db: Database, cases: CaseRepository) -> None:
    _, item_id = await flagged(db, cases)
    enforcer = RecordingEnforcer()

    result = await desk(db, cases, enforcer, RecordingRemedies()).decide(item_id, Verdict.TIMEOUT, 99)

    assert enforcer.calls == [(500, ("delete", "timeout 1h"), 2)]
    assert result.case is not None and result.case.actor is Actor.MODERATOR and result.case.actor_id == 99
    assert result.case.applied == (ActionKind.DELETE, ActionKind.TIMEOUT)
    assert result.item.status is ReviewStatus.TIMED_OUT
    assert [c.number for c in await all_cases(cases)] == [1, 2]


async def test_remove_does_not_delete_again_what_the_bot_removed(db: Database, cases: CaseRepository) -> None:
    _, item_id = await flagged(db, cases, Action(ActionKind.DELETE))
    enforcer = RecordingEnforcer()
    result = await desk(db, cases, enforcer, RecordingRemedies()).decide(item_id, Verdict.REMOVE, 99)
    assert enforcer.calls == [] and result.case is not None and result.item.status is ReviewStatus.REMOVED


async def test_a_second_click_keeps_the_first_verdict(db: Database, cases: CaseRepository) -> None:
    _, item_id = await flagged(db, cases)
    reviews = desk(db, cases, RecordingEnforcer(), RecordingRemedies())
    await reviews.decide(item_id, Verdict.REMOVE, 99)
    second = await reviews.decide(item_id, Verdict.APPROVE, 98)
    assert second.already_decided and second.item.status is ReviewStatus.REMOVED and second.item.reviewer_id == 99
    assert second.errors == ("already decided: removed",)
