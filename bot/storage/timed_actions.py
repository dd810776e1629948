"""Heat control's pending undos (migration 0012): unlock a thread when its lock ends, reset a slowmode on reversal."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.records import TimedAction, TimedKind
from bot.storage.database import Database, from_db_time, to_db_time, utcnow


def _row(row: aiosqlite.Row) -> TimedAction:
    return TimedAction(
        id=row["id"],
        guild_id=row["guild_id"],
        case_id=row["case_id"],
        channel_id=row["channel_id"],
        kind=TimedKind(row["kind"]),
        due_at=from_db_time(row["due_at"]) if row["due_at"] else None,
        value=row["value"],
        done_at=from_db_time(row["done_at"]) if row["done_at"] else None,
        outcome=row["outcome"],
    )


class TimedActionStore:
    """Implements `bot.moderation.ports.TimedActionStore` on SQLite."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, guild_id: int, case_id: int, channel_id: int, kind: TimedKind, due_at: datetime | None,
        value: int | None = None,
    ) -> TimedAction:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO timed_actions (guild_id, case_id, channel_id, kind, value, due_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (guild_id, case_id, channel_id, kind.value, value, to_db_time(due_at) if due_at else None),
            )
            action_id = cursor.lastrowid
        assert action_id is not None
        return await self.get(action_id)

    async def get(self, action_id: int) -> TimedAction:
        row = await self._db.fetch_one("SELECT * FROM timed_actions WHERE id = ?", (action_id,))
        if row is None:
            raise KeyError(f"no timed action {action_id}")
        return _row(row)

    async def pending(self) -> list[TimedAction]:
        """Undos not yet run that have a time, soonest first."""
        rows = await self._db.fetch_all(
            "SELECT * FROM timed_actions WHERE done_at IS NULL AND due_at IS NOT NULL ORDER BY due_at, id"
        )
        return [_row(row) for row in rows]

    async def for_case(self, case_id: int) -> list[TimedAction]:
        """Every undo of a case not yet run (timed or not)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM timed_actions WHERE case_id = ? AND done_at IS NULL ORDER BY id", (case_id,)
        )
        return [_row(row) for row in rows]

    async def finish(self, action_id: int, outcome: str, at: datetime | None = None) -> bool:
        """Mark it run (or cancelled); False when it already was, so each undo is finished once."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE timed_actions SET done_at = ?, outcome = ? WHERE id = ? AND done_at IS NULL",
                (to_db_time(at or utcnow()), outcome, action_id),
            )
            return cursor.rowcount == 1
