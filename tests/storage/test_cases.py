from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import CaseNotFound
from bot.records import (
    Action,
    ActionKind,
    Actor,
    CaseDraft,
    CaseQuery,
    CaseStatus,
    Decision,
    Enforcement,
    MessageEvent,
    ModelInfo,
    Scores,
    Variant,
)
from bot.storage import Database
from bot.storage.cases import CaseRepository

T0 = datetime(2026, 11, 1, tzinfo=UTC)
MODEL = ModelInfo("profanity-check", "1.9.1", fallback=True, note="no checkpoint")


def draft(user: int = 7, guild: int = 1, at: datetime = T0, strike: bool = True, shadow: bool = False) -> CaseDraft:
    return CaseDraft(
        guild_id=guild, user_id=user, channel_id=10, message_id=99, actor=Actor.AUTO, actor_id=None,
        rule_id="toxic", actions=(Action(ActionKind.DELETE), Action(ActionKind.TIMEOUT, timedelta(hours=1))),
        reason="toxicity 0.95 >= 0.90", text="you are awful", scores={"profanity": 0.95}, model=MODEL,
        variant=Variant.NORMALIZED, strike=strike, shadow=shadow, created_at=at,
    )


def event(message_id: int = 99) -> MessageEvent:
    return MessageEvent(guild_id=1, channel_id=10, message_id=message_id, author_id=7, content="x", created_at=T0)


async def test_case_survives_reopening_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    async with Database.open(path) as db:
        written = await CaseRepository(db).record_case(draft())
    async with Database.open(path) as db:
        case = await CaseRepository(db).get(1, written.number)
    assert case == written
    assert case.number == 1
    assert [str(a) for a in case.actions] == ["delete", "timeout 1h"]
    assert case.model_name == "profanity-check" and case.model_fallback
    assert case.variant is Variant.NORMALIZED
    assert case.scores == {"profanity": 0.95}
    assert case.status is CaseStatus.ACTIVE


async def test_numbers_are_per_guild(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "c.db") as db:
        cases = CaseRepository(db)
        numbers = [(await cases.record_case(draft(guild=g))).number for g in (1, 1, 2, 1, 2)]
    assert numbers == [1, 2, 1, 3, 2]


async def test_claimed_message_is_recorded_once(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "c.db") as db:
        cases = CaseRepository(db)
        scores = Scores({"profanity": 0.95}, MODEL)
        decision = Decision(actions=(Action(ActionKind.DELETE),), rule_id="toxic")
        first = await cases.record_decision(event(), "h1", scores, decision, draft(), T0)
        again = await cases.record_decision(event(), "h1", scores, decision, draft(), T0)
        edited = await cases.record_decision(event(), "h2", scores, decision, draft(), T0)
        assert first[0] and first[1] is not None
        assert again == (False, None)
        assert edited[0]
        assert len(await cases.find(CaseQuery())) == 2
        assert await cases.already_processed(99, "h1")


async def test_enforcement_is_stored_and_unenforced_cases_are_found(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "c.db") as db:
        cases = CaseRepository(db)
        done = await cases.record_case(draft())
        pending = await cases.record_case(draft())
        updated = await cases.record_enforcement(
            done.id, Enforcement(applied=(ActionKind.DELETE,), errors=("timeout: 403 Missing Permissions",),
                                 notified=False)
        )
        assert updated.errors == ("timeout: 403 Missing Permissions",)
        assert updated.applied == (ActionKind.DELETE,)
        assert updated.notified is False
        assert [c.id for c in await cases.unenforced()] == [pending.id]


async def test_strikes_window_and_reversal(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "c.db") as db:
        cases = CaseRepository(db)
        await cases.record_case(draft(at=T0 - timedelta(days=2)))
        recent = await cases.record_case(draft(at=T0 - timedelta(hours=2)))
        await cases.record_case(draft(at=T0 - timedelta(hours=1), strike=False))
        await cases.record_case(draft(at=T0 - timedelta(hours=1), shadow=True))
        assert len(await cases.strike_times(1, 7, T0 - timedelta(days=1))) == 1
        reversed_case = await cases.reverse(1, recent.number, by=42, reason="mistake", at=T0)
        assert reversed_case.status is CaseStatus.REVERSED and reversed_case.reversed_by == 42
        assert await cases.strike_times(1, 7, T0 - timedelta(days=1)) == []


async def test_find_filters_and_notes(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "c.db") as db:
        cases = CaseRepository(db)
        first = await cases.record_case(draft(user=1, at=T0))
        await cases.record_case(draft(user=2, at=T0 + timedelta(days=1)))
        assert [c.user_id for c in await cases.find(CaseQuery(user_id=2))] == [2]
        assert [c.user_id for c in await cases.find(CaseQuery(since=T0 + timedelta(hours=1)))] == [2]
        await cases.add_note(first.id, 5, "spoke to them", at=T0)
        assert [n.body for n in await cases.notes(first.id)] == ["spoke to them"]
        with pytest.raises(CaseNotFound):
            await cases.get(1, 404)
