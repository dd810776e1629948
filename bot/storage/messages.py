"""Which messages were judged (per content hash), and the catch-up cursor per channel."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.records import Decision, MessageEvent, Scores
from bot.storage.database import Database, to_db_time


async def claim(
    conn: aiosqlite.Connection,
    event: MessageEvent,
    content_hash: str,
    scores: Scores,
    decision: Decision,
    at: datetime,
) -> bool:
    """Inside a transaction: note this message as judged at this content. False if it already was."""
    cursor = await conn.execute(
        """INSERT OR IGNORE INTO scored_messages
           (message_id, content_hash, guild_id, channel_id, user_id, scored_at, model_name, scores, decision, text)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            event.message_id,
            content_hash,
            event.guild_id,
            event.channel_id,
            event.author_id,
            to_db_time(at),
            scores.model.name,
            json.dumps(dict(scores.values), sort_keys=True),
            ",".join(str(action) for action in decision.actions),
            event.content,  # kept for `modbot rules preview` until purge/forget erases it
        ),
    )
    await conn.execute(
        """INSERT INTO channel_cursors (channel_id, last_message_id) VALUES (?, ?)
           ON CONFLICT (channel_id) DO UPDATE SET last_message_id = MAX(last_message_id, excluded.last_message_id)""",
        (event.channel_id, event.message_id),
    )
    return cursor.rowcount == 1


class MessageLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def already_processed(self, message_id: int, content_hash: str) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM scored_messages WHERE message_id = ? AND content_hash = ?",
            (message_id, content_hash),
        )
        return row is not None

    async def cursor(self, channel_id: int) -> int | None:
        row = await self._db.fetch_one(
            "SELECT last_message_id FROM channel_cursors WHERE channel_id = ?", (channel_id,)
        )
        return int(row[0]) if row else None

    async def count(self, guild_id: int | None = None) -> int:
        if guild_id is None:
            row = await self._db.fetch_one("SELECT COUNT(*) FROM scored_messages")
        else:
            row = await self._db.fetch_one(
                "SELECT COUNT(*) FROM scored_messages WHERE guild_id = ?", (guild_id,)
            )
        return int(row[0]) if row else 0
