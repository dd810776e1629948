"""Exemptions added at runtime with `/exempt add`: merged with the rules file's exempt sets at decision time."""

from __future__ import annotations

from datetime import datetime

from bot.records import ExemptKind, GuildExemptions
from bot.storage.database import Database, to_db_time


class ExemptionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, guild_id: int, kind: ExemptKind, target_id: int, added_by: int, at: datetime
    ) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT OR IGNORE INTO exemptions (guild_id, kind, target_id, added_by, added_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (guild_id, kind.value, target_id, added_by, to_db_time(at)),
            )
            return cursor.rowcount == 1

    async def remove(self, guild_id: int, kind: ExemptKind, target_id: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM exemptions WHERE guild_id = ? AND kind = ? AND target_id = ?",
                (guild_id, kind.value, target_id),
            )
            return cursor.rowcount == 1

    async def for_guild(self, guild_id: int) -> GuildExemptions:
        """One server's exemptions: a moderator of one server never changes moderation on another."""
        rows = await self._db.fetch_all("SELECT kind, target_id FROM exemptions WHERE guild_id = ?", (guild_id,))
        roles = frozenset(int(row["target_id"]) for row in rows if row["kind"] == ExemptKind.ROLE.value)
        users = frozenset(int(row["target_id"]) for row in rows if row["kind"] == ExemptKind.USER.value)
        return GuildExemptions(roles, users)

    async def all_guilds(self) -> dict[int, GuildExemptions]:
        rows = await self._db.fetch_all("SELECT guild_id, kind, target_id FROM exemptions")
        found: dict[int, tuple[set[int], set[int]]] = {}
        for row in rows:
            roles, users = found.setdefault(int(row["guild_id"]), (set(), set()))
            (roles if row["kind"] == ExemptKind.ROLE.value else users).add(int(row["target_id"]))
        return {guild: GuildExemptions(frozenset(roles), frozenset(users)) for guild, (roles, users) in found.items()}
