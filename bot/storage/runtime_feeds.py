"""Feeds added at runtime with `/feed add`: kept in SQLite and merged with `settings.digest.feeds`."""

from __future__ import annotations

from bot.records import RuntimeFeed
from bot.storage.database import Database, from_db_time, to_db_time, utcnow


class RuntimeFeedStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, feed: RuntimeFeed) -> bool:
        """False when the URL is already a runtime feed (nothing is changed)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT OR IGNORE INTO runtime_feeds (url, channel_id, name, guild_id, added_by, added_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (feed.url, feed.channel_id, feed.name, feed.guild_id, feed.added_by, to_db_time(feed.added_at)),
            )
            return cursor.rowcount == 1

    async def remove(self, url: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM runtime_feeds WHERE url = ?", (url,))
            return cursor.rowcount == 1

    async def all(self) -> list[RuntimeFeed]:
        rows = await self._db.fetch_all("SELECT * FROM runtime_feeds ORDER BY added_at, url")
        return [
            RuntimeFeed(row["url"], row["channel_id"], row["name"], row["guild_id"], row["added_by"],
                        from_db_time(row["added_at"]))
            for row in rows
        ]


def new_feed(url: str, channel_id: int, guild_id: int, added_by: int, name: str | None = None) -> RuntimeFeed:
    return RuntimeFeed(url, channel_id, name, guild_id, added_by, utcnow())
