"""The hash-chained case log finds edited and deleted rows; purge and forget erase text but keep counts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.records import Action, ActionKind, Actor, CaseDraft, CaseQuery, Enforcement, ModelInfo
from bot.storage import Database, audit
from bot.storage.bulk import JudgedMessage, load_judged
from bot.storage.cases import CaseRepository
from bot.storage.privacy import forget, purge

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def draft(user: int, text: str, at: datetime = T0) -> CaseDraft:
    return CaseDraft(
        guild_id=1, user_id=user, channel_id=2, message_id=None, actor=Actor.AUTO, actor_id=None, rule_id="toxic",
        actions=(Action(ActionKind.DELETE),), reason="toxicity 0.95", text=text, scores={"toxicity": 0.95},
        model=ModelInfo("detoxify/original", "0.5.4"), strike=True, created_at=at,
    )


async def seed(path: Path, count: int = 4) -> None:
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        for index in range(count):
            await cases.record_case(draft(user=10 + index % 2, text=f"message {index}", at=T0 + timedelta(days=index)))


async def verify(path: Path) -> list[str]:
    async with Database.open(path) as db:
        _, problems = await CaseRepository(db).verify_chain()
    return [str(problem) for problem in problems]


def tamper(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER IF EXISTS cases_no_delete")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for sql in statements:
            if "case_events" in sql and "case_events" not in tables:
                continue  # the same attack on a database from before case events
            conn.execute(sql)


async def test_untouched_chain_verifies(tmp_path: Path) -> None:
    await seed(tmp_path / "a.db")
    assert await verify(tmp_path / "a.db") == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param("UPDATE cases SET rule_id = 'nothing' WHERE number = 2",
                     "case #2 (id 2): recorded decision was edited", id="edited-rule"),
        pytest.param("UPDATE cases SET actions = '[\"warn\"]' WHERE number = 3", "case #3 (id 3): recorded decision",
                     id="edited-actions"),
        pytest.param("UPDATE cases SET text = 'harmless' WHERE number = 1", "case #1 (id 1): user or text was edited",
                     id="edited-text"),
        pytest.param("UPDATE cases SET user_id = 99 WHERE number = 4", "case #4 (id 4): user or text was edited",
                     id="edited-user"),
        pytest.param("DELETE FROM cases WHERE number = 2", "ids 2..2 are missing", id="deleted-middle"),
    ],
)
async def test_verify_finds_edits_and_deletions(tmp_path: Path, sql: str, expected: str) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    tamper(path, sql)
    problems = await verify(path)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        pytest.param(["UPDATE cases SET text = '...', salt = NULL, user_id = 7 WHERE number = 1"],
                     "case #1 (id 1): user or text was edited", id="null-salt-skips-subject"),
        pytest.param(["UPDATE cases SET status = 'reversed' WHERE number = 2"],
                     "case #2 (id 2): changed without a recorded event: status", id="status"),
        pytest.param(["UPDATE cases SET applied = '[]' WHERE number = 3"],
                     "case #3 (id 3): changed without a recorded event: applied", id="applied"),
        pytest.param(["UPDATE cases SET errors = '[\"timeout: 403\"]' WHERE number = 3"],
                     "case #3 (id 3): changed without a recorded event: errors", id="errors"),
        pytest.param(["DELETE FROM cases WHERE number = 4"], "the chain ends at", id="last-deleted"),
    ],
)
async def test_verify_finds_what_the_case_hash_does_not_cover(
    tmp_path: Path, statements: list[str], expected: str
) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        for case in await cases.find(CaseQuery()):
            await cases.record_enforcement(case.id, Enforcement(applied=(ActionKind.DELETE,)))
    tamper(path, "DROP TRIGGER IF EXISTS case_events_no_delete",
           *(["DELETE FROM case_events WHERE case_id = 4"] if "DELETE" in statements[0] else []), *statements)
    problems = await verify(path)
    assert any(expected in problem for problem in problems), problems


async def test_cases_cannot_be_deleted_through_sql(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM cases")


async def test_forget_erases_text_and_identity_keeps_counts_and_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    async with Database.open(path) as db:
        erased = await forget(db, 10)
        cases = await CaseRepository(db).find(CaseQuery())
    assert erased.cases == 2 and erased.strikes == 2
    assert len(cases) == 4
    assert [c.user_id for c in cases] == [0, 11, 0, 11]
    assert [c.text for c in cases] == [None, "message 1", None, "message 3"]
    assert await verify(path) == []


async def test_purge_erases_old_text_only(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    async with Database.open(path) as db:
        erased = await purge(db, T0 + timedelta(days=2))
        texts = [c.text for c in await CaseRepository(db).find(CaseQuery())]
    assert erased.cases == 2
    assert texts == [None, None, "message 2", "message 3"]
    assert await verify(path) == []


async def test_erasure_events_hold_canonical_state_and_purge_keeps_user_ids(tmp_path: Path) -> None:
    """purge and forget write each `erased` event's state by filling a digest into text encoded once per state:
    it must be exactly the canonical encoding of that state; purge keeps every user id, forget zeroes its own."""
    path = tmp_path / "a.db"
    await seed(path, count=12)
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        await cases.record_enforcement(3, Enforcement(applied=(ActionKind.DELETE,)))  # a second state to erase from
        erased = await purge(db, T0 + timedelta(days=6))
        again = await purge(db, T0 + timedelta(days=6))  # nothing left to erase: no new events
        forgotten = await forget(db, 11)
        found = await cases.find(CaseQuery())
    assert (erased.cases, again.cases, forgotten.cases) == (6, 0, 6)
    assert [c.user_id for c in found] == [10, 0] * 6
    with sqlite3.connect(path) as conn:
        states = [row[0] for row in conn.execute("SELECT state FROM case_events WHERE kind = 'erased'")]
    assert len(states) == 12
    for text in states:
        assert text == audit.encode(json.loads(text))
    digests = [json.loads(text)["user_digest"] for text in states[:6]]
    assert all(isinstance(d, str) and len(d) == 64 for d in digests) and len(set(digests)) == 6
    assert all(json.loads(text)["user_digest"] is None for text in states[6:])
    assert await verify(path) == []


async def test_purge_in_small_chunks_erases_what_one_chunk_would(tmp_path: Path) -> None:
    """Chunked purge (PURGE_CHUNK cases, 10x as many judged messages per transaction): tiny chunks, cases at
    the same instant across a chunk's edge, and more judged messages at one instant than a chunk holds."""
    results = []
    for chunk in (1000, 2):
        path = tmp_path / f"chunk{chunk}.db"
        async with Database.open(path) as db:
            cases = CaseRepository(db)
            for index in range(9):  # pairs of cases share a time
                await cases.record_case(draft(10 + index % 2, f"m{index}", T0 + timedelta(days=index // 2)))
            same = T0 + timedelta(days=1)
            await load_judged(db, [JudgedMessage(500 + i, "h", 1, 2, 10, same if i < 45 else T0 + timedelta(days=i),
                                                 "m", {"x": 0.1}, "allow") for i in range(60)])
            await db.fetch_one("UPDATE scored_messages SET text = 'kept for preview'")
            erased = await purge(db, T0 + timedelta(days=3), chunk=chunk)
            texts = [c.text for c in await cases.find(CaseQuery())]
            left = await db.fetch_all("SELECT message_id FROM scored_messages WHERE text IS NOT NULL ORDER BY 1")
        assert await verify(path) == []
        results.append((erased.cases, erased.scored_messages, texts, [row[0] for row in left]))
    assert results[0] == results[1]
    assert results[0][:2] == (6, 45)  # the cases of days 0-2; the 45 judged messages of day 1 (the rest are later)
    assert results[0][3] == list(range(545, 560))
    assert results[0][2] == [None] * 6 + ["m6", "m7", "m8"]
