"""Exemptions added at runtime with `/exempt add`: merged with the rules file's exempt sets at decision time."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.storage.database import Database, to_db_time, utcnow


class ExemptKind(enum.StrEnum):
    ROLE = "role"
    USER = "user"


@dataclass(frozen=True, slots=True)
class ExemptionSnapshot:
    roles: frozenset[int] = frozenset()
    users: frozenset[int] = frozenset()


class ExemptionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, guild_id: int, kind: ExemptKind, target_id: int, added_by: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT OR IGNORE INTO exemptions (guild_id, kind, target_id, added_by, added_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (guild_id, kind.value, target_id, added_by, to_db_time(utcnow())),
            )
            return cursor.rowcount == 1

    async def remove(self, guild_id: int, kind: ExemptKind, target_id: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM exemptions WHERE guild_id = ? AND kind = ? AND target_id = ?",
                (guild_id, kind.value, target_id),
            )
            return cursor.rowcount == 1

    async def snapshot(self) -> ExemptionSnapshot:
        rows = await self._db.fetch_all("SELECT kind, target_id FROM exemptions")
        roles = frozenset(int(row["target_id"]) for row in rows if row["kind"] == ExemptKind.ROLE.value)
        users = frozenset(int(row["target_id"]) for row in rows if row["kind"] == ExemptKind.USER.value)
        return ExemptionSnapshot(roles, users)
