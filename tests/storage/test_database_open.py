"""A database that cannot be used fails at once with one DatabaseError line naming the file, and leaves no
aiosqlite thread behind (that thread kept the process alive); read-only callers never create the file."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.errors import DatabaseError
from bot.storage import Database, MigrationError
from bot.storage.database import bundled_migrations


def _threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.is_alive()}


async def _refused(path: Path, *, create: bool = True) -> str:
    before = _threads()
    with pytest.raises(DatabaseError) as caught:
        async with Database.open(path, create=create):
            pass
    for thread in _threads() - before:  # the connection's worker thread ends (it is not joined on close)
        thread.join(timeout=10)
        assert not thread.is_alive(), thread
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


async def test_random_bytes_are_not_a_modbot_database(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(os.urandom(8192))
    message = await _refused(path)
    assert message == f"{path}: not a modbot database (file is not a database): move it away or pass --db"
    assert path.stat().st_size == 8192  # left as it was


async def test_a_text_file_is_not_a_modbot_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list: milk, eggs\n" * 20, encoding="utf-8")
    assert "not a modbot database" in await _refused(path)


async def test_someone_elses_sqlite_database_is_not_migrated_into(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    assert await _refused(path) == f"{path}: not a modbot database (it holds other tables): move it away or pass --db"
    with sqlite3.connect(path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert names == {"invoices"}


async def test_a_database_from_a_newer_modbot_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    async with Database.open(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    known = len(bundled_migrations())
    message = await _refused(path)
    assert message == f"{path}: database is at version 99, newer than this modbot ({known}); upgrade modbot"
    with pytest.raises(MigrationError):  # still the specific kind, for callers that care
        async with Database.open(path):
            pass


async def test_without_create_a_missing_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    message = await _refused(path, create=False)
    assert message == f"{path}: no such database (check --db or `database` in settings.yaml)"
    assert not path.exists()


async def test_a_path_below_a_file_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    path = blocker / "m.db"
    assert "cannot create the database" in await _refused(path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
async def test_a_read_only_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert "cannot create the database" in await _refused(folder / "m.db")
    finally:
        folder.chmod(0o755)


async def test_an_existing_database_opens_without_create(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    async with Database.open(path):
        pass
    async with Database.open(path, create=False) as db:
        assert await db.integrity_check() == "ok"


async def test_the_page_cache_is_small_for_everyday_work_and_big_only_while_bulk_work_asks(tmp_path: Path) -> None:
    async with Database.open(tmp_path / "m.db") as db:
        async def cache_size() -> int:
            row = await db.fetch_one("PRAGMA cache_size")
            assert row is not None
            return int(row[0])

        usual = await cache_size()
        assert usual == -2000  # SQLite's default, 2 MiB: a long-running bot does not grow with its history
        async with db.big_page_cache(65536):
            assert await cache_size() == -65536
        assert await cache_size() == usual
        with pytest.raises(RuntimeError):
            async with db.big_page_cache(1024):
                raise RuntimeError("a failed bulk load")
        assert await cache_size() == usual
