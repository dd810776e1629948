from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.moderation.carry_out import CaseExecutor
from bot.moderation.pipeline import ModerationPipeline
from bot.moderation.rules import parse_rules
from bot.records import ActionKind, CaseQuery, CaseStatus, MessageEvent
from bot.storage import Database
from bot.storage.cases import CaseRepository
from tests.support import FixedRules, RecordingEnforcer, StaticScorer

RULES = parse_rules(
    """
rules:
  - id: toxic
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete, warn]
  - id: review
    when: {score: {label: toxicity, min: 0.6, max: 0.9}}
    actions: [flag]
  - id: trial
    mode: shadow
    when: {words: [meh]}
    actions: [warn]
escalation:
  - {strikes: 2, within: 1d, actions: [timeout 1h]}
""",
    frozenset({"toxicity", "insult"}),
)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


def message(message_id: int, content: str, user: int = 7) -> MessageEvent:
    return MessageEvent(guild_id=1, channel_id=10, message_id=message_id, author_id=user, content=content,
                        created_at=NOW)


@pytest.fixture
def cases(db: Database) -> CaseRepository:
    return CaseRepository(db)


def pipeline(cases: CaseRepository, enforcer: RecordingEnforcer, scorer: StaticScorer | None = None,
             on_timeout: str = "flag") -> ModerationPipeline:
    return ModerationPipeline(scorer=scorer or StaticScorer(), rules=FixedRules(RULES), store=cases,
                              executor=CaseExecutor(enforcer, cases), clock=lambda: NOW,
                              on_timeout=on_timeout)  # type: ignore[arg-type]


async def test_toxic_message_is_recorded_then_enforced(cases: CaseRepository) -> None:
    enforcer = RecordingEnforcer()
    outcome = await pipeline(cases, enforcer).handle(message(1, "you hateful person"))
    assert outcome.case is not None and outcome.case.number == 1
    assert enforcer.calls == [(1, ("delete", "warn"), 1)]
    stored = await cases.get(1, 1)
    assert stored.applied == (ActionKind.DELETE, ActionKind.WARN) and stored.notified is True
    assert stored.model_name == "test/static" and stored.scores["toxicity"] == pytest.approx(0.97)
    assert stored.text == "you hateful person"


async def test_clean_message_opens_no_case(cases: CaseRepository) -> None:
    enforcer = RecordingEnforcer()
    outcome = await pipeline(cases, enforcer).handle(message(1, "nice article"))
    assert outcome.decision.is_allow and outcome.case is None and enforcer.calls == []


async def test_same_content_is_judged_once_and_an_edit_again(cases: CaseRepository) -> None:
    scorer = StaticScorer()
    run = pipeline(cases, RecordingEnforcer(), scorer)
    first, again = await asyncio.gather(run.handle(message(1, "fine")), run.handle(message(1, "fine")))
    assert sorted([first.duplicate, again.duplicate]) == [False, True]
    edited = await run.handle(message(1, "now hateful"))
    assert not edited.duplicate and edited.case is not None
    assert scorer.calls == ["fine", "now hateful"]


async def test_escalation_uses_stored_strikes(cases: CaseRepository) -> None:
    run = pipeline(cases, RecordingEnforcer())
    await run.handle(message(1, "hateful"))
    second = await run.handle(message(2, "hateful again"))
    assert [str(a) for a in second.decision.actions] == ["delete", "warn", "timeout 1h"]
    assert second.decision.escalation == "2 strikes in 1d"


async def test_shadow_rule_records_a_shadow_case_and_does_nothing(cases: CaseRepository) -> None:
    enforcer = RecordingEnforcer()
    outcome = await pipeline(cases, enforcer).handle(message(1, "meh"))
    assert outcome.decision.is_allow and enforcer.calls == []
    assert outcome.case is not None and outcome.case.status is CaseStatus.SHADOW
    assert [str(a) for a in outcome.case.actions] == ["warn"]


async def test_enforcer_crash_keeps_the_case_for_retry(cases: CaseRepository) -> None:
    run = pipeline(cases, RecordingEnforcer(fail_with=RuntimeError("gateway gone")))
    with pytest.raises(RuntimeError):
        await run.handle(message(1, "hateful"))
    assert [c.number for c in await cases.unenforced()] == [1]
    again = await pipeline(cases, RecordingEnforcer()).handle(message(1, "hateful"))
    assert again.duplicate
    assert len(await cases.find(CaseQuery())) == 1

    # The next start carries the recorded case out, once.
    enforcer = RecordingEnforcer()
    restarted = pipeline(cases, enforcer)
    (resumed,) = await restarted.resume_unenforced()
    assert enforcer.calls == [(1, ("delete", "warn"), 1)]
    assert resumed.applied == (ActionKind.DELETE, ActionKind.WARN) and resumed.notified is True
    assert await cases.unenforced() == []
    assert await restarted.resume_unenforced() == []


class SlowScorer(StaticScorer):
    async def score(self, texts):  # type: ignore[no-untyped-def]
        results = await super().score(texts)
        from bot.records import Scores

        return [Scores({}, r.model, timed_out=True) for r in results]


@pytest.mark.parametrize(("setting", "expected"), [("flag", ["flag"]), ("allow", ["allow"])])
async def test_scorer_timeout_outcome_comes_from_settings(
    cases: CaseRepository, setting: str, expected: list[str]
) -> None:
    outcome = await pipeline(cases, RecordingEnforcer(), SlowScorer(), on_timeout=setting).handle(message(1, "hm"))
    assert [str(a) for a in outcome.decision.actions] == expected
    assert outcome.scores.timed_out


async def test_strikes_older_than_the_window_do_not_escalate(cases: CaseRepository) -> None:
    from bot.records import Action, Actor, CaseDraft

    await cases.record_case(CaseDraft(
        guild_id=1, user_id=7, channel_id=10, message_id=None, actor=Actor.AUTO, actor_id=None, rule_id="toxic",
        actions=(Action(ActionKind.DELETE),), reason="old", text="", strike=True, created_at=NOW - timedelta(days=2),
    ))
    outcome = await pipeline(cases, RecordingEnforcer()).handle(message(5, "hateful"))
    assert outcome.decision.escalation is None


@pytest.mark.parametrize("content", ["you \u202elufetah\u202c", "you \u202ehateful\u202c"],
                         ids=["written-reversed", "override-as-noise"])
async def test_right_to_left_override_is_scored_in_both_readings(cases: CaseRepository, content: str) -> None:
    scorer = StaticScorer()
    outcome = await pipeline(cases, RecordingEnforcer(), scorer).handle(message(1, content))
    assert outcome.decision.rule_id == "toxic"
    assert len(scorer.calls) == 2 and any("hateful" in call for call in scorer.calls)
