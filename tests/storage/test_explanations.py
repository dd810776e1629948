"""Explanations stored beside their case (migration 0011): read back with every case query, outside the hash
chain, and erased with the case's text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.records import (
    Action,
    ActionKind,
    Actor,
    CaseDraft,
    CaseQuery,
    Explanation,
    ExplanationKind,
    ExplanationMethod,
    ModelInfo,
)
from bot.storage import Database
from bot.storage.cases import CaseRepository
from bot.storage.privacy import forget, purge

T0 = datetime(2026, 11, 1, tzinfo=UTC)
DETOXIFY = ModelInfo("detoxify/original", "0.5.2 fp32")
WHY = Explanation(ExplanationKind.SCORE, "toxic", ExplanationMethod.OCCLUSION, label="toxicity", score=0.93,
                  contributions=(("idiot", 0.61), ("worthless", 0.22)), model=DETOXIFY, reading="primary")
SPAN = Explanation(ExplanationKind.WORD, "slurs", ExplanationMethod.MATCH, span="\u0455\u04cf\u03c5r", term="slur",
                   reading="primary")


def draft(user: int = 7, at: datetime = T0) -> CaseDraft:
    return CaseDraft(guild_id=1, user_id=user, channel_id=10, message_id=99, actor=Actor.AUTO, actor_id=None,
                     rule_id="toxic", actions=(Action(ActionKind.DELETE),), reason="toxicity 0.93 >= 0.90",
                     text="you idiot, worthless", scores={"toxicity": 0.93}, model=DETOXIFY, created_at=at)


async def test_an_explanation_round_trips_through_every_case_query(db: Database) -> None:
    cases = CaseRepository(db)
    case = await cases.record_case(draft())
    other = await cases.record_case(draft(user=8))
    assert case.explanation is None
    await cases.save_explanation(case.id, WHY)

    assert (await cases.get(1, case.number)).explanation == WHY
    assert (await cases.get_by_id(case.id)).explanation == WHY
    found = {c.id: c.explanation for c in await cases.find(CaseQuery(guild_id=1))}
    assert found == {case.id: WHY, other.id: None}
    assert [c.explanation for c in await cases.page_for_user(1, 7, 10)] == [WHY]
    assert WHY.describe() == 'toxicity 0.93: "idiot" +0.61, "worthless" +0.22 [occlusion, detoxify/original 0.5.2 fp32]'

    await cases.save_explanation(case.id, SPAN)  # a second one replaces the first
    assert (await cases.get(1, case.number)).explanation == SPAN


async def test_explanations_are_outside_the_hash_chain(db: Database) -> None:
    cases = CaseRepository(db)
    case = await cases.record_case(draft())
    head = await cases.chain_head()
    await cases.save_explanation(case.id, WHY)
    checked, problems = await cases.verify_chain()
    assert (checked, problems) == (1, []) and await cases.chain_head() == head


async def test_purge_and_forget_erase_the_explanation_with_the_text(db: Database) -> None:
    cases = CaseRepository(db)
    old = await cases.record_case(draft(user=7, at=T0))
    new = await cases.record_case(draft(user=8, at=T0 + timedelta(days=5)))
    for case in (old, new):
        await cases.save_explanation(case.id, WHY)
    await purge(db, T0 + timedelta(days=2))
    assert (await cases.get_by_id(old.id)).explanation is None
    assert (await cases.get_by_id(new.id)).explanation == WHY
    await forget(db, 8)
    assert (await cases.get_by_id(new.id)).explanation is None
    assert (await cases.verify_chain())[1] == []
