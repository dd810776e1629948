"""Strikes outside the case log's own writes: a moderator's pardon clears a user's active strikes."""

from __future__ import annotations

from bot.storage.database import Database


class StrikeLedger:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def active(self, guild_id: int, user_id: int) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM strikes WHERE guild_id = ? AND user_id = ? AND active = 1", (guild_id, user_id)
        )
        return int(row[0]) if row else 0

    async def clear(self, guild_id: int, user_id: int) -> int:
        """Deactivate every active strike of this user; returns how many there were."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE strikes SET active = 0 WHERE guild_id = ? AND user_id = ? AND active = 1", (guild_id, user_id)
            )
            return cursor.rowcount
