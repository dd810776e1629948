"""Every later change to a case is a chained case event: an edit of the case row alone, a deleted last case
and a chain cut short against a witnessed head are all found; real SQLite files, tampered with sqlite3."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.records import Action, ActionKind, Actor, CaseDraft, CaseStatus, ChainHead, Enforcement, ModelInfo
from bot.storage import Database
from bot.storage.audit import GENESIS, ChainReport
from bot.storage.cases import CaseRepository
from bot.storage.privacy import count_purgeable, forget, purge
from tests.support import tamper

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def draft(user: int, text: str, at: datetime, shadow: bool = False) -> CaseDraft:
    return CaseDraft(
        guild_id=1, user_id=user, channel_id=2, message_id=None, actor=Actor.AUTO, actor_id=None, rule_id="toxic",
        actions=(Action(ActionKind.DELETE), Action(ActionKind.WARN)), reason="toxicity 0.95", text=text,
        scores={"toxicity": 0.95}, model=ModelInfo("detoxify/original", "0.5.4"), strike=True, created_at=at,
        shadow=shadow,
    )


async def seed(path: Path) -> None:
    """Four enforced cases (users 10, 11, 10, 11), case #2 reversed, a note on #3, a shadow case #5."""
    async with Database.open(path) as db:
        await seed_cases(CaseRepository(db))


async def seed_cases(cases: CaseRepository) -> None:
    for index in range(4):
        case = await cases.record_case(draft(10 + index % 2, f"message {index}", T0 + timedelta(days=index)))
        await cases.record_enforcement(case.id, Enforcement(applied=(ActionKind.DELETE,),
                                                            errors=("warn: 403 Forbidden",), notified=False))
    await cases.reverse(1, 2, by=42, reason="wrong person", at=T0 + timedelta(days=5))
    await cases.add_note(3, 42, "spoke to them", at=T0 + timedelta(days=6))
    await cases.record_case(draft(12, "shadow message", T0 + timedelta(days=7), shadow=True))


async def report(path: Path, witness: ChainHead | None = None) -> ChainReport:
    async with Database.open(path) as db:
        return await CaseRepository(db).verify(witness)


async def problems(path: Path, witness: ChainHead | None = None) -> list[str]:
    return [str(problem) for problem in (await report(path, witness)).problems]


async def test_recorded_changes_verify_intact_and_the_head_counts_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    result = await report(path)
    assert result.problems == []
    assert result.cases == 5
    # 5 cases + 4 enforcements + 1 reversal + 1 note + 1 shadow start
    assert result.head.entries == 12 and result.head.hash != GENESIS
    async with Database.open(path) as db:
        cases = CaseRepository(db)
        assert await cases.chain_head() == result.head
        shadow = await cases.get(1, 5)
        reversed_case = await cases.get(1, 2)
    assert shadow.status is CaseStatus.SHADOW
    assert reversed_case.status is CaseStatus.REVERSED and reversed_case.reverse_reason == "wrong person"
    assert reversed_case.applied == (ActionKind.DELETE,) and reversed_case.notified is False


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param("UPDATE cases SET text = 'harmless', salt = NULL, user_id = 7 WHERE number = 1",
                     "case #1 (id 1): user or text was edited", id="null-salt"),
        pytest.param("UPDATE cases SET salt = NULL WHERE number = 1",
                     "case #1 (id 1): user or text was edited", id="null-salt-alone"),
        pytest.param("UPDATE cases SET status = 'reversed' WHERE number = 1",
                     "case #1 (id 1): changed without a recorded event: status", id="status-reversed"),
        pytest.param("UPDATE cases SET status = 'active' WHERE number = 2",
                     "case #2 (id 2): changed without a recorded event: status", id="reversal-undone"),
        pytest.param("UPDATE cases SET status = 'active' WHERE number = 5",
                     "case #5 (id 5): changed without a recorded event: status", id="shadow-made-active"),
        pytest.param("UPDATE cases SET applied = '[\"delete\", \"warn\"]' WHERE number = 3",
                     "case #3 (id 3): changed without a recorded event: applied", id="applied"),
        pytest.param("UPDATE cases SET errors = '[]' WHERE number = 4",
                     "case #4 (id 4): changed without a recorded event: errors", id="errors"),
        pytest.param("UPDATE cases SET notified = NULL WHERE number = 4",
                     "case #4 (id 4): changed without a recorded event: notified", id="notified-null"),
        pytest.param("UPDATE cases SET enforced = 0 WHERE number = 1",
                     "case #1 (id 1): changed without a recorded event: enforced", id="enforced"),
        pytest.param("UPDATE cases SET reverse_reason = 'spam' WHERE number = 2",
                     "case #2 (id 2): changed without a recorded event: reverse reason", id="reverse-reason"),
        pytest.param("UPDATE cases SET reversed_by = NULL, reversed_at = NULL WHERE number = 2",
                     "case #2 (id 2): changed without a recorded event: reversal", id="reversed-by-null"),
        pytest.param("UPDATE case_notes SET body = 'nothing happened'", "note 1 on case id 3 was edited",
                     id="note-edited"),
        pytest.param("DELETE FROM case_notes", "note 1 on case id 3 was deleted", id="note-deleted"),
        pytest.param("INSERT INTO case_notes (case_id, author_id, body, created_at) VALUES (1, 5, 'x', '2026')",
                     "note 2 on case id 1 was added without a recorded event", id="note-added"),
        pytest.param("UPDATE case_events SET state = replace(state, 'wrong person', 'spam')",
                     "case event #9 (case id 2): was edited", id="event-edited"),
        pytest.param("DELETE FROM case_events WHERE seq = 10", "chain entries #10 before it are missing",
                     id="event-deleted"),
        pytest.param("DELETE FROM cases WHERE number = 5",
                     "the chain ends at #10", id="last-case-deleted"),
        pytest.param("UPDATE cases SET seq = NULL WHERE number = 1", "has no place in the chain", id="seq-null"),
    ],
)
async def test_verify_finds_a_change_without_an_event(tmp_path: Path, sql: str, expected: str) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    if "number = 5" in sql and sql.startswith("DELETE"):
        tamper(path, "DELETE FROM case_events WHERE case_id = 5", sql)
    else:
        tamper(path, sql)
    found = await problems(path)
    assert any(expected in problem for problem in found), found


async def test_a_cut_chain_with_its_head_row_fixed_is_found_only_against_a_witnessed_head(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    witnessed = (await report(path)).head
    # the attacker removes the last case and its shadow event, and moves chain_head back to match
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT seq, hash FROM case_events WHERE seq = ?", (witnessed.entries - 2,)).fetchone()
    tamper(path, "DELETE FROM case_events WHERE case_id = 5", "DELETE FROM cases WHERE number = 5",
           f"UPDATE chain_head SET seq = {before[0]}, hash = '{before[1]}'")  # noqa: S608
    assert await problems(path) == []  # without a witness, a clean cut cannot be seen
    found = await problems(path, witnessed)
    assert found == [f"entry #{witnessed.entries} of the witnessed head is missing: the chain ends at "
                     f"#{witnessed.entries - 2} (cut short)"]


async def test_a_witnessed_head_with_another_hash_means_the_chain_was_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    head = (await report(path)).head
    assert await problems(path, head) == []
    assert await problems(path, ChainHead(3, head.hash)) == [
        f"entry #3 has hash {(await _entry_hash(path, 3))}, not the witnessed {head.hash} (the chain was rewritten)"
    ]
    # a head witnessed earlier still holds after more entries were appended
    async with Database.open(path) as db:
        await CaseRepository(db).add_note(1, 42, "later")
    assert await problems(path, head) == []


async def _entry_hash(path: Path, seq: int) -> str:
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT hash FROM cases WHERE seq = ? UNION ALL SELECT hash FROM case_events WHERE seq = ?",
                           (seq, seq)).fetchone()
    return str(row[0])


def test_chain_head_parses_both_spellings() -> None:
    digest = "ab" * 32
    assert ChainHead.parse(f"12:{digest}") == ChainHead(12, digest)
    assert ChainHead.parse(f"#12 {digest.upper()}") == ChainHead(12, digest)
    assert str(ChainHead(12, digest)) == f"#12 {digest}"
    with pytest.raises(ValueError, match="not a chain head"):
        ChainHead.parse("12:abc")


async def test_purge_and_forget_are_events_and_their_erasures_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    async with Database.open(path) as db:
        due = await count_purgeable(db, T0 + timedelta(days=2))
        erased = await purge(db, T0 + timedelta(days=2))
        again = await purge(db, T0 + timedelta(days=2))
        forgotten = await forget(db, 10)
    assert due.cases == erased.cases == 2 and again.cases == 0
    assert forgotten.cases == 2  # case #1 (purged before) and case #3
    result = await report(path)
    assert result.problems == []
    assert result.head.entries == 12 + 2 + 2
    # case #2 was purged (text gone, user kept): its user id is still tied to the chain
    tamper(path, "UPDATE cases SET user_id = 99 WHERE number = 2")
    assert any("case #2 (id 2): user or text was edited (after its text was erased)" in p for p in await problems(path))
    tamper(path, "UPDATE cases SET user_id = 11 WHERE number = 2",
           "UPDATE cases SET text = 'back again' WHERE number = 1",
           "UPDATE cases SET user_id = 10 WHERE number = 3")
    found = await problems(path)
    assert any("case #1 (id 1): user or text was edited (after the user was forgotten)" in p for p in found), found
    assert any("case #3 (id 3): user or text was edited (after the user was forgotten)" in p for p in found), found
    assert not any("case #2" in p for p in found), found


async def test_a_null_salt_without_erasure_is_refused_even_when_text_and_user_are_erased(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    tamper(path, "UPDATE cases SET text = NULL, salt = NULL, user_id = 0 WHERE number = 4")
    assert any("case #4 (id 4): user or text was edited (the salt is gone, no erasure was recorded)" in p
               for p in await problems(path))


async def test_an_in_memory_database_is_walked_like_a_file(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    await seed(path)
    on_file = await report(path)
    async with Database.open(Path(":memory:")) as db:
        cases = CaseRepository(db)
        await seed_cases(cases)
        in_memory = await cases.verify()
        assert (in_memory.cases, in_memory.head.entries, in_memory.problems) == (
            on_file.cases, on_file.head.entries, on_file.problems)
        assert in_memory.problems == []
        await db.fetch_one("DROP TRIGGER IF EXISTS case_events_no_update")
        await db.fetch_one("UPDATE case_events SET state = replace(state, 'wrong person', 'spam')")
        found = [str(problem) for problem in (await cases.verify()).problems]
    assert any("case event #9 (case id 2): was edited" in problem for problem in found), found
