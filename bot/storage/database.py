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
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import DatabaseError

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(DatabaseError):
    pass


MigrationStep = Callable[[aiosqlite.Connection], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str
    after: MigrationStep | None = None  # Python run after the SQL, in the same transaction


def _python_steps() -> dict[int, MigrationStep]:
    from bot.storage import case_events  # imports this module: load it only when migrations are listed

    return {7: case_events.backfill}


def bundled_migrations() -> list[Migration]:
    folder = resources.files("bot.storage") / "migrations"
    steps = _python_steps()
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            version = int(match.group(1))
            found.append(Migration(version, entry.name, entry.read_text(encoding="utf-8"), steps.get(version)))
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


def _prepare_file(path: Path, create: bool) -> None:
    if not create and not path.exists():
        raise DatabaseError(f"{path}: no such database (check --db or `database` in settings.yaml)")
    try:
        _create_private(path)
    except OSError as exc:
        raise DatabaseError(
            f"{path}: cannot create the database ({exc.strerror or exc}): pass --db with a writable path"
        ) from exc


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
        cls, path: str | os.PathLike[str], migrations: Sequence[Migration] | None = None, *, create: bool = True
    ) -> AsyncIterator[Database]:
        """Open (and migrate) the database; with `create=False` a missing file is an error, not a new database."""
        db = await cls.connect(path, migrations, create=create)
        try:
            yield db
        finally:
            await db.close()

    @classmethod
    async def connect(
        cls, path: str | os.PathLike[str], migrations: Sequence[Migration] | None = None, *, create: bool = True
    ) -> Database:
        target = Path(path)
        if str(path) != ":memory:":
            _prepare_file(target, create)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:  # aiosqlite stops its thread itself when the connect fails
            raise _unusable(target, exc) from exc
        db = cls(conn, target)
        try:
            # Everything that touches the file runs here: a corrupt or foreign file fails on the first statement,
            # and the connection (its thread would keep the process alive) must be closed on every failure.
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
            # The page cache stays at SQLite's default (2 MiB) for everyday work: decisions and lookups go through
            # indexes and the OS keeps the file's pages, while a larger cache only grows the process for its whole
            # life (a 64 MiB cache grew a 30-minute soak's RSS by 25 % as the database grew). Bulk work asks for
            # a big cache for its own duration: `big_page_cache`.
            await db._refuse_foreign()
            await db.migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise _unusable(target, exc) from exc
            raise
        return db

    async def _refuse_foreign(self) -> None:
        """A SQLite file with tables but no modbot version is somebody else's database: never migrate into it."""
        if await self.user_version() != 0:
            return
        row = await self.fetch_one("SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        if row is not None and int(row[0]) > 0:
            raise DatabaseError(
                f"{self.path}: not a modbot database (it holds other tables): move it away or pass --db"
            )

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
                version = f"PRAGMA user_version = {migration.version}"  # sql-audited
                try:
                    # executescript commits what is pending first, so the transaction opens inside the script
                    # and stays open for the Python step and the version bump.
                    await self._conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}\n")  # sql-audited
                    if migration.after is not None:
                        await migration.after(self._conn)
                    await self._conn.execute(version)
                    await self._conn.execute("COMMIT")
                except Exception as exc:
                    with contextlib.suppress(Exception):
                        await self._conn.execute("ROLLBACK")
                    raise MigrationError(f"{self.path}: migration {migration.name} failed: {exc}") from exc
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

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read transaction: every query inside sees the same committed state, and no write interleaves."""
        async with self._lock:
            await self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                await self._conn.execute("ROLLBACK")

    @contextlib.asynccontextmanager
    async def big_page_cache(self, kib: int) -> AsyncIterator[None]:
        """A page cache of `kib` KiB for the duration (bulk loads, purge, forget), then the usual size again."""
        row = await self.fetch_one("PRAGMA cache_size")
        usual = int(row[0]) if row else -2000
        await self.fetch_one(f"PRAGMA cache_size = -{int(kib)}")  # sql-audited: an int
        try:
            yield
        finally:
            await self.fetch_one(f"PRAGMA cache_size = {usual}")  # sql-audited: an int read back from SQLite

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


def _unusable(path: Path, exc: sqlite3.Error) -> DatabaseError:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in message or "malformed" in message):
        return DatabaseError(f"{path}: not a modbot database ({message}): move it away or pass --db")
    if "readonly" in message or "unable to open" in message:
        return DatabaseError(f"{path}: cannot open the database ({message}): check the file and folder "
                             "permissions or pass --db")
    return DatabaseError(f"{path}: cannot use the database ({message})")


def utcnow() -> datetime:
    return datetime.now(UTC)
