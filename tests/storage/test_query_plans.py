"""The queries that run per message, per command or per start use indexes: SQLite's own plan, for the SQL the real
code sends (caught with the connection's trace callback, parameters filled in), must not scan a big table.

`forget USER` and `cases verify` are left out on purpose: forget is a rare whole-database erasure (a scan is
within its budget, see bench/scale.py), and verify walks every case by design.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.records import (
    Action,
    ActionKind,
    Actor,
    CaseDraft,
    Decision,
    Enforcement,
    MessageEvent,
    ModelInfo,
    Scores,
    StatsScope,
)
from bot.storage import Database
from bot.storage.bulk import JudgedMessage, ReviewRow, load_cases, load_judged, load_reviews
from bot.storage.cases import CaseRepository
from bot.storage.privacy import purge
from bot.storage.stats import StatsStore
from bot.storage.strikes import StrikeLedger

NOW = datetime.now(UTC)
MODEL = ModelInfo("detoxify/original", "test")
BIG_TABLES = ("cases", "scored_messages", "strikes", "review_items")


def draft(index: int, user: int) -> CaseDraft:
    return CaseDraft(guild_id=1, user_id=user, channel_id=10 + index % 3, message_id=1000 + index, actor=Actor.AUTO,
                     actor_id=None, rule_id="toxic", actions=(Action(ActionKind.DELETE),), reason="r",
                     text=f"text {index}", scores={"toxicity": 0.9}, model=MODEL, strike=True,
                     created_at=NOW - timedelta(hours=200 - index))


async def seeded(path: Path) -> Database:
    db = await Database.connect(path)
    await load_cases(db, [draft(index, 7 + index % 5) for index in range(200)])
    await load_judged(db, [JudgedMessage(1000 + index, f"h{index}", 1, 10, 7, NOW - timedelta(hours=200 - index),
                                         MODEL.name, {"toxicity": 0.1}, "allow") for index in range(400)])
    await load_reviews(db, [ReviewRow(1, index + 1, 10, 1000 + index, 7, "t", "approved",
                                      NOW - timedelta(hours=100), NOW - timedelta(hours=99), 5)
                            for index in range(20)])
    return db


async def traced(db: Database, operation: Callable[[], Awaitable[Any]]) -> list[str]:
    statements: list[str] = []
    conn = db._conn  # the test looks under the hood on purpose: it needs the SQL the code really sends
    await conn.set_trace_callback(statements.append)
    try:
        await operation()
    finally:
        await conn.set_trace_callback(None)  # type: ignore[arg-type]  # sqlite3 takes None: no callback
    return [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH"))]


async def plan(db: Database, sql: str) -> list[str]:
    return [str(row[3]) for row in await db.fetch_all(f"EXPLAIN QUERY PLAN {sql}")]


def full_scans(lines: list[str]) -> list[str]:
    """Plan lines that read a whole big table: `SCAN cases`, not `SCAN cases USING INDEX ...`."""
    return [line for line in lines
            if line.startswith("SCAN ") and line.split()[1] in BIG_TABLES and "USING" not in line]


def event(message_id: int) -> MessageEvent:
    return MessageEvent(guild_id=1, channel_id=10, message_id=message_id, author_id=7, content="you idiot",
                        created_at=NOW)


OPERATIONS: dict[str, Callable[[Database], Awaitable[Any]]] = {
    "record_decision": lambda db: CaseRepository(db).record_decision(
        event(99_999), "hash", Scores({"toxicity": 0.9}, MODEL),
        Decision(actions=(Action(ActionKind.DELETE),), rule_id="toxic", strike=True), draft(999, 7), NOW),
    "already_processed": lambda db: CaseRepository(db).already_processed(1000, "h0"),
    "strike_times": lambda db: CaseRepository(db).strike_times(1, 7, NOW - timedelta(days=1)),
    "active_strikes": lambda db: StrikeLedger(db).active(1, 7),
    "record_enforcement": lambda db: CaseRepository(db).record_enforcement(3, Enforcement((ActionKind.DELETE,))),
    "record_case_by_hand": lambda db: CaseRepository(db).record_case(draft(998, 8)),
    "history_count": lambda db: CaseRepository(db).count_for_user(1, 7),
    "history_first_page": lambda db: CaseRepository(db).page_for_user(1, 7, 10, 0),
    "history_deep_page": lambda db: CaseRepository(db).page_for_user(1, 7, 10, 30),
    "reverse": lambda db: CaseRepository(db).reverse(1, 4, by=5, reason="appeal upheld", at=NOW),
    "add_note": lambda db: CaseRepository(db).add_note(6, 5, "seen", NOW),
    "chain_head": lambda db: CaseRepository(db).chain_head(),
    "case_by_number": lambda db: CaseRepository(db).get(1, 5),
    "stats_30d": lambda db: StatsStore(db).collect(StatsScope(guild_id=1, since=NOW - timedelta(days=30))),
    "stats_thread": lambda db: StatsStore(db).collect(StatsScope(guild_id=1, since=NOW - timedelta(days=3),
                                                                 channel_id=10)),
    "unenforced_at_start": lambda db: CaseRepository(db).unenforced(),
    "purge": lambda db: purge(db, NOW - timedelta(days=5)),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_hot_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = await seeded(tmp_path / "plans.db")
    try:
        statements = await traced(db, lambda: OPERATIONS[name](db))
        assert statements, f"{name} sent no query"
        for sql in statements:
            lines = await plan(db, sql)
            assert not full_scans(lines), f"{name}: {' '.join(sql.split())}\n  plan: {lines}"
    finally:
        await db.close()


async def test_the_checker_sees_a_full_scan(tmp_path: Path) -> None:
    """Guard against a vacuous pass: a query with no usable index is caught."""
    db = await seeded(tmp_path / "plans.db")
    try:
        lines = await plan(db, "SELECT * FROM scored_messages WHERE user_id = 7")
        assert full_scans(lines) == ["SCAN scored_messages"]
    finally:
        await db.close()


async def test_strike_reads_come_from_the_index_alone(tmp_path: Path) -> None:
    """Escalation's lookup and the active count read no strike row (migration 0013), and a reversal finds the
    case's strikes by index."""
    db = await seeded(tmp_path / "plans.db")
    try:
        for name, index in (("strike_times", "COVERING INDEX strikes_by_user_active"),
                            ("active_strikes", "COVERING INDEX strikes_by_user_active"),
                            ("reverse", "strikes_by_case")):
            statements = await traced(db, lambda name=name: OPERATIONS[name](db))  # type: ignore[misc]
            joined = " | ".join([line for sql in statements for line in await plan(db, sql) if "strikes" in line])
            assert index in joined, (name, joined)
    finally:
        await db.close()


async def test_stats_and_purge_plans_name_the_scale_indexes(tmp_path: Path) -> None:
    db = await seeded(tmp_path / "plans.db")
    try:
        stats = await traced(db, lambda: OPERATIONS["stats_30d"](db))
        joined = " | ".join([line for sql in stats for line in await plan(db, sql)])
        assert "cases_by_guild_time" in joined and "COVERING INDEX scored_messages_by_time" in joined
        purged = await traced(db, lambda: OPERATIONS["purge"](db))
        joined = " | ".join([line for sql in purged for line in await plan(db, sql)])
        assert "cases_by_time" in joined and "scored_messages_by_time" in joined
    finally:
        await db.close()
