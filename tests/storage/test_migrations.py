from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from bot.records import ActionKind, Enforcement
from bot.storage import Database, MigrationError
from bot.storage.database import bundled_migrations

MIGRATIONS = bundled_migrations()


def test_migrations_are_numbered_without_gaps() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


async def test_migrate_from_empty(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "m.db") as db:
        assert await db.user_version() == len(MIGRATIONS)
        assert await db.integrity_check() == "ok"
        mode = await db.fetch_one("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"


@pytest.mark.parametrize("start", range(1, len(MIGRATIONS)), ids=lambda v: f"from-v{v}")
async def test_migrate_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    path = tmp_path / "m.db"
    async with Database.open(path, MIGRATIONS[:start]) as db:
        assert await db.user_version() == start
        async with db.transaction() as conn:
            await conn.execute(
                """INSERT INTO cases (guild_id, number, created_at, user_id, channel_id, actor, actions, reason)
                   VALUES (1, 1, '2026-01-01T00:00:00.000000+00:00', 2, 3, 'auto', '["delete"]', 'old')"""
            )
    async with Database.open(path) as db:
        assert await db.user_version() == len(MIGRATIONS)
        row = await db.fetch_one("SELECT reason FROM cases WHERE number = 1")
        assert row is not None and row["reason"] == "old"


async def test_failed_migration_leaves_previous_version(tmp_path: Path) -> None:
    from bot.storage.database import Migration

    broken = [*MIGRATIONS, Migration(len(MIGRATIONS) + 1, "9999_broken.sql", "CREATE TABLE t (x); SELECT nope;")]
    path = tmp_path / "m.db"
    with pytest.raises(MigrationError):
        async with Database.open(path, broken):
            pass
    async with Database.open(path) as db:
        assert await db.user_version() == len(MIGRATIONS)
        assert await db.fetch_one("SELECT name FROM sqlite_master WHERE name = 't'") is None


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    async with Database.open(path):
        pass
    with pytest.raises(MigrationError, match="newer than this modbot"):
        async with Database.open(path, MIGRATIONS[:1]):
            pass


async def test_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "m.db"
    async with Database.open(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def _v6_case(conn: Any, number: int, user_id: int, text: str, prev_hash: str, **later: Any) -> str:
    """A case as version 6 wrote it: hash-chained over the cases alone, later changes as plain updates."""
    from bot.storage import audit

    cursor = await conn.execute(
        """INSERT INTO cases (guild_id, number, created_at, user_id, channel_id, message_id, actor, rule_id,
               actions, reason, text, scores, model_name, model_version)
           VALUES (1, ?, ?, ?, 3, ?, 'auto', 'toxic', '["delete", "warn"]', 'toxicity 0.97', ?, '{"toxicity": 0.97}',
                   'detoxify/original', '0.5.4')""",
        (number, f"2026-05-0{number}T10:00:00.000000+00:00", user_id, 500 + number, text),
    )
    case_id = cursor.lastrowid
    salt = audit.new_salt()
    subject = audit.subject_digest(salt, user_id, text)
    async with conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)) as rows:
        row = dict(await rows.fetchone())
    digest = audit.case_hash(row, subject, prev_hash)
    await conn.execute("UPDATE cases SET salt = ?, subject_digest = ?, prev_hash = ?, hash = ? WHERE id = ?",
                       (salt, subject, prev_hash, digest, case_id))
    if later:  # later changes: the column names end in _ where they clash with the arguments
        columns = {name.rstrip("_"): value for name, value in later.items()}
        assignments = ", ".join(f"{name} = ?" for name in columns)
        await conn.execute(f"UPDATE cases SET {assignments} WHERE id = ?", (*columns.values(), case_id))  # noqa: S608
    return digest


async def _v6_database(path: Path, tampered: bool = False) -> None:
    from bot.storage.audit import GENESIS

    erased = "2026-05-20T00:00:00.000000+00:00"
    async with Database.open(path, MIGRATIONS[:6]) as db, db.transaction() as conn:
        head = await _v6_case(conn, 1, 10, "first", GENESIS, enforced=1, applied='["delete", "warn"]',
                              notified=1)
        head = await _v6_case(conn, 2, 11, "second", head, enforced=1, applied='["delete"]',
                              errors='["warn: 403 Forbidden"]', notified=0, status="reversed", reversed_by=42,
                              reversed_at="2026-05-10T00:00:00.000000+00:00", reverse_reason="mistake")
        head = await _v6_case(conn, 3, 12, "third", head, enforced=1, text_=None, salt=None, erased_at=erased)
        head = await _v6_case(conn, 4, 13, "fourth", head, enforced=1, text_=None, salt=None, user_id_=0,
                              erased_at=erased)
        head = await _v6_case(conn, 5, 14, "fifth", head, status="shadow")
        await _v6_case(conn, 6, 15, "sixth", head)  # recorded, never enforced (a crash in between)
        await conn.execute("INSERT INTO case_notes (case_id, author_id, body, created_at) "
                           "VALUES (1, 42, 'spoke to them', '2026-05-11T00:00:00.000000+00:00')")
        if tampered:  # the version-6 hole: a NULL salt skipped the subject check
            await conn.execute("UPDATE cases SET text = 'harmless', salt = NULL, user_id = 7 WHERE number = 6")


async def test_a_version_6_database_migrates_and_verifies_intact(tmp_path: Path) -> None:
    from bot.storage.cases import CaseRepository

    path = tmp_path / "v6.db"
    await _v6_database(path)
    async with Database.open(path) as db:
        assert await db.user_version() == len(MIGRATIONS)
        cases = CaseRepository(db)
        report = await cases.verify()
        assert report.problems == []
        # 6 cases, 5 with a state other than the initial one (#6 was never enforced), 1 note
        assert report.cases == 6 and report.head.entries == 6 + 5 + 1
        assert await cases.chain_head() == report.head
        await cases.reverse(1, 1, by=42, reason="appeal upheld")
        await cases.record_enforcement(6, Enforcement(applied=(ActionKind.DELETE,)))
        assert (await cases.verify(report.head)).problems == []
        second = await cases.get(1, 2)
        assert second.reverse_reason == "mistake" and second.errors == ("warn: 403 Forbidden",)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cases SET status = 'active' WHERE number = 5")
        conn.execute("UPDATE cases SET user_id = 99 WHERE number = 3")
    async with Database.open(path) as db:
        found = [str(p) for p in (await CaseRepository(db).verify()).problems]
    assert any("case #5 (id 5): changed without a recorded event: status" in p for p in found), found
    assert any("case #3 (id 3): user or text was edited (after its text was erased)" in p for p in found), found


async def test_a_version_6_database_edited_through_the_null_salt_hole_is_caught_after_migrating(
    tmp_path: Path,
) -> None:
    from bot.storage.cases import CaseRepository

    path = tmp_path / "v6.db"
    await _v6_database(path, tampered=True)
    async with Database.open(path) as db:
        found = [str(p) for p in (await CaseRepository(db).verify()).problems]
    assert found == ["case #6 (id 6): user or text was edited (text is back after it was erased)"]
