"""The review queue: flagged messages waiting for a moderator, and every verdict given on them.

Verdicts are kept (status, reviewer, time): they are the labels that later calibrate thresholds.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.errors import ReviewAlreadyDecided, ReviewNotFound
from bot.records import ReviewDraft, ReviewItem, ReviewStatus
from bot.storage.database import Database, from_db_time, to_db_time, utcnow


def _row_to_item(row: aiosqlite.Row) -> ReviewItem:
    return ReviewItem(
        id=row["id"],
        guild_id=row["guild_id"],
        case_id=row["case_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        user_id=row["user_id"],
        text=row["text"],
        status=ReviewStatus(row["status"]),
        review_message_id=row["review_message_id"],
        reviewer_id=row["reviewer_id"],
        decided_at=from_db_time(row["decided_at"]) if row["decided_at"] else None,
        created_at=from_db_time(row["created_at"]),
    )


class ReviewRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, draft: ReviewDraft, at: datetime | None = None) -> ReviewItem:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO review_items (guild_id, case_id, channel_id, message_id, user_id, text, status,
                       created_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'open', ?)""",
                (
                    draft.guild_id,
                    draft.case_id,
                    draft.channel_id,
                    draft.message_id,
                    draft.user_id,
                    draft.text,
                    to_db_time(at or utcnow()),
                ),
            )
            item_id = cursor.lastrowid
        assert item_id is not None
        return await self.get(item_id)

    async def get(self, item_id: int) -> ReviewItem:
        row = await self._db.fetch_one("SELECT * FROM review_items WHERE id = ?", (item_id,))
        if row is None:
            raise ReviewNotFound(f"no review item {item_id}")
        return _row_to_item(row)

    async def set_review_message(self, item_id: int, review_message_id: int) -> ReviewItem:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE review_items SET review_message_id = ? WHERE id = ?", (review_message_id, item_id)
            )
        return await self.get(item_id)

    async def decide(
        self, item_id: int, status: ReviewStatus, reviewer_id: int, at: datetime | None = None
    ) -> ReviewItem:
        """Close an open item with a verdict. Raises ReviewAlreadyDecided if it is no longer open."""
        if status is ReviewStatus.OPEN:
            raise ValueError("a verdict cannot be 'open'")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE review_items SET status = ?, reviewer_id = ?, decided_at = ?
                   WHERE id = ? AND status = 'open'""",
                (status.value, reviewer_id, to_db_time(at or utcnow()), item_id),
            )
            changed = cursor.rowcount == 1
        item = await self.get(item_id)
        if not changed:
            raise ReviewAlreadyDecided(item)
        return item

    async def find(
        self, guild_id: int | None = None, status: ReviewStatus | None = None, user_id: int | None = None
    ) -> list[ReviewItem]:
        clauses: list[str] = []
        params: list[object] = []
        if guild_id is not None:
            clauses.append("guild_id = ?")
            params.append(guild_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status.value)
        if user_id is not None:
            clauses.append("user_id = ?")
            params.append(user_id)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = await self._db.fetch_all(
            f"SELECT * FROM review_items {where} ORDER BY id",  # noqa: S608
            params,
        )
        return [_row_to_item(row) for row in rows]
