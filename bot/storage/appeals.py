"""Appeals against cases: one open appeal per case, decided once by a moderator (upheld or denied)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.errors import AppealAlreadyDecided, AppealExists, AppealNotFound
from bot.records import Appeal, AppealStatus
from bot.storage.database import Database, from_db_time, to_db_time, utcnow


def _row(row: aiosqlite.Row) -> Appeal:
    return Appeal(
        id=row["id"],
        case_id=row["case_id"],
        user_id=row["user_id"],
        body=row["body"],
        status=AppealStatus(row["status"]),
        review_message_id=row["review_message_id"],
        reviewer_id=row["reviewer_id"],
        outcome_note=row["outcome_note"],
        decided_at=from_db_time(row["decided_at"]) if row["decided_at"] else None,
        created_at=from_db_time(row["created_at"]),
    )


class AppealRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, case_id: int, user_id: int, body: str, at: datetime | None = None) -> Appeal:
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM appeals WHERE case_id = ? AND status = 'open'", (case_id,)
            ) as cursor:
                if await cursor.fetchone() is not None:
                    raise AppealExists(f"case {case_id} already has an open appeal")
            cursor = await conn.execute(
                "INSERT INTO appeals (case_id, user_id, body, status, created_at) VALUES (?, ?, ?, 'open', ?)",
                (case_id, user_id, body, to_db_time(at or utcnow())),
            )
            appeal_id = cursor.lastrowid
        assert appeal_id is not None
        return await self.get(appeal_id)

    async def get(self, appeal_id: int) -> Appeal:
        row = await self._db.fetch_one("SELECT * FROM appeals WHERE id = ?", (appeal_id,))
        if row is None:
            raise AppealNotFound(f"no appeal {appeal_id}")
        return _row(row)

    async def set_review_message(self, appeal_id: int, message_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE appeals SET review_message_id = ? WHERE id = ?", (message_id, appeal_id))

    async def decide(
        self, appeal_id: int, status: AppealStatus, reviewer_id: int, note: str | None, at: datetime | None = None
    ) -> Appeal:
        if status is AppealStatus.OPEN:
            raise ValueError("a verdict cannot be 'open'")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE appeals SET status = ?, reviewer_id = ?, outcome_note = ?, decided_at = ?
                   WHERE id = ? AND status = 'open'""",
                (status.value, reviewer_id, note, to_db_time(at or utcnow()), appeal_id),
            )
            changed = cursor.rowcount == 1
        appeal = await self.get(appeal_id)
        if not changed:
            raise AppealAlreadyDecided(appeal)
        return appeal

    async def for_case(self, case_id: int) -> list[Appeal]:
        rows = await self._db.fetch_all("SELECT * FROM appeals WHERE case_id = ? ORDER BY id", (case_id,))
        return [_row(row) for row in rows]

    async def for_user(self, user_id: int) -> list[Appeal]:
        rows = await self._db.fetch_all("SELECT * FROM appeals WHERE user_id = ? ORDER BY id", (user_id,))
        return [_row(row) for row in rows]
