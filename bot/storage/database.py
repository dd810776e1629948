"""Opening the database, applying numbered migrations, and serialising transactions.

Migrations are the files `bot/storage/migrations/NNNN_name.sql`. `PRAGMA user_version` holds the number
of the last one applied; each migration runs in one transaction together with the bump of that number,
so a crash half-way leaves the database at the previous version, never in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    folder = resources.files("bot.storage") / "migrations"
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migrations must be numbered 1..n without gaps; found {migration.name}")
    return found


def to_db_time(value: datetime) -> str:
    """Timestamps are stored as ISO 8601 in UTC so that text order is time order."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it with the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)


class Database:
    """Owns the single aiosqlite connection. Use `async with Database.open(path) as db`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, path: str | os.PathLike[str], migrations: Sequence[Migration] | None = None
    ) -> AsyncIterator[Database]:
        db = await cls.connect(path, migrations)
        try:
            yield db
        finally:
            await db.close()

    @classmethod
    async def connect(
        cls, path: str | os.PathLike[str], migrations: Sequence[Migration] | None = None
    ) -> Database:
        target = Path(path)
        if str(path) != ":memory:":
            _create_private(target)
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut can drop
        # the last transactions. FULL would fsync every decision.
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        # SQLite checkpoints the WAL every 1000 pages but never shrinks the file: after a checkpoint that
        # empties it, cut it back to 4 MB, so a burst does not leave a large WAL behind for the process's life
        await conn.execute("PRAGMA journal_size_limit = 4194304")
        db = cls(conn, target)
        try:
            await db.migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException:
            await conn.close()  # a refused or failed migration must not leave the connection's thread behind
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def user_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Iterable[Migration]) -> int:
        current = await self.user_version()
        ordered = sorted(migrations, key=lambda m: m.version)
        known = ordered[-1].version if ordered else 0
        if current > known:
            raise MigrationError(
                f"{self.path}: database is at version {current}, newer than this modbot ({known}); upgrade modbot"
            )
        async with self._lock:
            for migration in ordered:
                if migration.version <= current:
                    continue
                # PRAGMA takes no parameters; the version is an int parsed from the file name.
                version = f"PRAGMA user_version = {migration.version};"  # sql-audited
                script = f"BEGIN IMMEDIATE;\n{migration.sql}\n{version}\nCOMMIT;"
                try:
                    await self._conn.executescript(script)
                except Exception as exc:
                    with contextlib.suppress(Exception):
                        await self._conn.execute("ROLLBACK")
                    raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
                log.info("applied migration %s", migration.name)
                current = migration.version
        return current

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction at a time on the shared connection; rolled back on any error."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self._conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def checkpoint(self) -> tuple[int, int, int]:
        """Copy the WAL into the database file and truncate it (SQLite's automatic checkpoints copy but never
        shrink the file): (1 if a reader kept it busy else 0, frames in the log, frames checkpointed)."""
        async with self._lock:
            row = await self.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)")
        return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)

    async def integrity_check(self) -> str:
        row = await self.fetch_one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"


def utcnow() -> datetime:
    return datetime.now(UTC)
