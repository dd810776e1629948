"""Heat control's timed undos on a real SQLite file: recorded with the heat case, kept across a restart, run once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.records import ActionKind, CaseStatus, MessageEvent, TimedKind
from bot.settings import Settings
from bot.storage import Database
from bot.storage.timed_actions import TimedActionStore
from tests.support import RecordingEnforcer, RecordingRemedies, StaticScorer, all_cases

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD, THREAD, PARENT = 1, 500, 400
RULES = """\
version: 1
rules:
  - id: toxic
    when: {score: {label: toxicity, min: 0.9}}
    actions: [delete]
heat:
  - when: {removed_share: 0.5, within: 10m, min_messages: 4}
    actions: [lock 2h]
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def settings_in(tmp_path: Path) -> Settings:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    return Settings(database=tmp_path / "bot.db", config_dir=tmp_path, rules_file=Path("rules.yaml"))


def event(number: int, text: str) -> MessageEvent:
    return MessageEvent(guild_id=GUILD, channel_id=THREAD, message_id=number, author_id=70 + number, content=text,
                        created_at=T0, parent_channel_id=PARENT)


async def test_store_finishes_each_undo_once(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "t.db") as db:
        async with db.transaction() as conn:
            await conn.execute(
                """INSERT INTO cases (guild_id, number, created_at, user_id, channel_id, actor, actions, reason)
                   VALUES (1, 1, '2026-01-01T00:00:00.000000+00:00', 0, 500, 'auto', '["lock 2h"]', 'heat')"""
            )
        store = TimedActionStore(db)
        unlock = await store.add(1, 1, 500, TimedKind.UNLOCK, T0 + timedelta(hours=2))
        reset = await store.add(1, 1, 500, TimedKind.SLOWMODE_RESET, None, 15)
        assert [a.id for a in await store.pending()] == [unlock.id]  # only timed ones are scheduled
        assert [a.kind for a in await store.for_case(1)] == [TimedKind.UNLOCK, TimedKind.SLOWMODE_RESET]
        assert reset.value == 15 and reset.due_at is None
        assert await store.finish(unlock.id, "done", T0)
        assert not await store.finish(unlock.id, "done", T0)  # a second finish is refused
        assert await store.pending() == []
        assert (await store.get(unlock.id)).outcome == "done"


async def test_a_lock_survives_a_restart_and_is_lifted_once_when_due(tmp_path: Path) -> None:
    settings, clock = settings_in(tmp_path), Clock()
    remedies = RecordingRemedies()
    async with App.open(settings, scorer=StaticScorer(), clock=clock) as app:
        moderation = app.moderation(RecordingEnforcer(), remedies, threads=remedies)
        for number, text in enumerate(["hateful", "fine", "hateful", "ok"], start=1):
            clock.now += timedelta(seconds=30)
            await moderation.pipeline.handle(event(number, text))
        heat = [case for case in await all_cases(app.cases) if case.rule_id == "heat[0]"]
        assert len(heat) == 1 and heat[0].user_id == 0 and heat[0].channel_id == THREAD
        assert heat[0].reason.startswith("heat: 2 of 4 messages removed (50%) within 10m")
        assert ActionKind.LOCK in heat[0].applied and heat[0].message_id is None
        assert moderation.timed is not None and moderation.timed.scheduled == 1
        await moderation.timed.stop()  # the process ends before the lock does
    assert remedies.done == []

    clock.now += timedelta(hours=2, minutes=1)
    async with App.open(settings, scorer=StaticScorer(), clock=clock) as app:
        timed = app.moderation(RecordingEnforcer(), remedies, threads=remedies).timed
        assert timed is not None
        ran = await timed.start()  # overdue: run at once
        assert [a.kind for a in ran] == [TimedKind.UNLOCK] and remedies.done == [f"unlock {THREAD}"]
        assert await timed.start() == []  # never twice
        (case,) = [case for case in await all_cases(app.cases) if case.rule_id == "heat[0]"]
        notes = await app.cases.notes(case.id)
        assert [note.body for note in notes] == ["Thread unlocked: the lock 2h ended"]
        assert (await app.cases.verify()).problems == []
    async with App.open(settings, scorer=StaticScorer(), clock=clock) as app:
        timed = app.moderation(RecordingEnforcer(), remedies, threads=remedies).timed
        assert timed is not None and await timed.start() == []
    assert remedies.done == [f"unlock {THREAD}"]


async def test_reversing_a_heat_case_unlocks_now_and_cancels_the_timed_unlock(tmp_path: Path) -> None:
    settings, clock = settings_in(tmp_path), Clock()
    remedies = RecordingRemedies()
    async with App.open(settings, scorer=StaticScorer(), clock=clock) as app:
        moderation = app.moderation(RecordingEnforcer(), remedies, threads=remedies)
        for number, text in enumerate(["hateful", "hateful", "fine", "ok"], start=1):
            await moderation.pipeline.handle(event(number, text))
        (case,) = [case for case in await all_cases(app.cases) if case.rule_id == "heat[0]"]
        result = await moderation.reverser.reverse(GUILD, case.number, 9, "calm again")
        assert "thread unlocked" in result.summary() and remedies.done == [f"unlock {THREAD}"]
        assert result.case.status is CaseStatus.REVERSED
        assert moderation.timed is not None and moderation.timed.scheduled == 0
        assert await app.storage.timed_actions.pending() == []
        # the heat case is nobody's: each author's history holds only their own case, and it gives no strike
        assert [await app.cases.count_for_user(GUILD, author) for author in (71, 72)] == [1, 1]
        assert await app.storage.strikes.active(GUILD, 0) == 0
        assert (await app.cases.verify()).problems == []


async def test_a_lock_without_an_end_waits_for_a_moderator_and_logs_one_decision_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings, clock = settings_in(tmp_path), Clock()
    (tmp_path / "rules.yaml").write_text(RULES.replace("lock 2h", "lock"), encoding="utf-8")
    remedies = RecordingRemedies()
    caplog.set_level(logging.INFO, logger="modbot.decision")
    async with App.open(settings, scorer=StaticScorer(), clock=clock) as app:
        moderation = app.moderation(RecordingEnforcer(), remedies, threads=remedies)
        for number, text in enumerate(["hateful", "hateful", "hateful", "ok", "hateful"], start=1):
            await moderation.pipeline.handle(event(number, text))
        (case,) = [case for case in await all_cases(app.cases) if case.rule_id == "heat[0]"]
        assert [str(a) for a in case.actions] == ["lock"]
        assert moderation.timed is not None and moderation.timed.scheduled == 0
        assert await app.storage.timed_actions.pending() == []  # nothing timed ...
        (unlock,) = await app.storage.timed_actions.for_case(case.id)  # ... but an unlock for a reversal
        assert unlock.kind is TimedKind.UNLOCK and unlock.due_at is None
        clock.now += timedelta(days=30)
        assert await moderation.timed.start() == [] and remedies.done == []
        await moderation.reverser.reverse(GUILD, case.number, 9, "over")
        assert remedies.done == [f"unlock {THREAD}"]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("heat ")]
    assert len(lines) == 1  # one act, and the fifth message (the level held) none
    assert "rule=heat[0] messages=4 removed=3 share=0.75 within=10m" in lines[0] and "applied=lock" in lines[0]
