from __future__ import annotations

import stat
from pathlib import Path

import pytest

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
