"""Retention and the right to be forgotten: erase stored text (and, for `forget`, the user id),
keep the cases themselves so that counts and the audit chain survive."""

from __future__ import annotations

from datetime import datetime

from bot.records import Erased
from bot.storage.database import Database, to_db_time, utcnow


async def purge(db: Database, older_than: datetime) -> Erased:
    """Erase the text of everything recorded before `older_than`."""
    cutoff = to_db_time(older_than)
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        cases = await conn.execute(
            """UPDATE cases SET text = NULL, salt = NULL, erased_at = ?
               WHERE created_at < ? AND (text IS NOT NULL OR salt IS NOT NULL)""",
            (now, cutoff),
        )
        reviews = await conn.execute(
            "UPDATE review_items SET text = NULL WHERE created_at < ? AND text IS NOT NULL", (cutoff,)
        )
        scored = await conn.execute(  # the text goes; scores and decisions stay (preview counts purged ones)
            "UPDATE scored_messages SET text = NULL WHERE scored_at < ? AND text IS NOT NULL", (cutoff,)
        )
    return Erased(cases.rowcount, reviews.rowcount, scored.rowcount)


async def forget(db: Database, user_id: int) -> Erased:
    """Erase everything that identifies `user_id` or repeats what they wrote; keep anonymous counts."""
    now = to_db_time(utcnow())
    async with db.transaction() as conn:
        cases = await conn.execute(
            "UPDATE cases SET text = NULL, salt = NULL, user_id = 0, erased_at = ? WHERE user_id = ?", (now, user_id)
        )
        reviews = await conn.execute(
            "UPDATE review_items SET text = NULL, user_id = 0 WHERE user_id = ?", (user_id,)
        )
        scored = await conn.execute("DELETE FROM scored_messages WHERE user_id = ?", (user_id,))
        strikes = await conn.execute("UPDATE strikes SET user_id = 0 WHERE user_id = ?", (user_id,))
    return Erased(cases.rowcount, reviews.rowcount, scored.rowcount, strikes.rowcount)
