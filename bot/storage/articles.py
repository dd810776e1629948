"""The digest's tables: articles seen/posted (deduplicated by key) and the polling state of each feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.records import FeedState, NewArticle, PostedRef, StoredArticle
from bot.storage.database import Database, from_db_time, to_db_time


def _time(value: str | None) -> datetime | None:
    return from_db_time(value) if value else None


def _article(row: aiosqlite.Row) -> StoredArticle:
    posted = None
    if row["message_id"] is not None:
        posted = PostedRef(int(row["channel_id"]), int(row["message_id"]),
                           int(row["thread_id"]) if row["thread_id"] is not None else None)
    return StoredArticle(
        id=int(row["id"]),
        feed_url=row["feed_url"],
        dedupe_key=row["dedupe_key"],
        title=row["title"],
        link=row["link"],
        published=_time(row["published_at"]),
        seen_at=from_db_time(row["seen_at"]),
        status=row["status"],
        posted=posted,
    )


class ArticleStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = await self._db.fetch_all(
                f"SELECT dedupe_key FROM articles WHERE dedupe_key IN ({marks})", chunk  # noqa: S608
            )
            found.update(str(row[0]) for row in rows)
        return found

    async def add(
        self, feed_url: str | None, items: Sequence[NewArticle], status: str, now: datetime
    ) -> list[StoredArticle]:
        """Insert the items not seen before, with `status`; return those that were new, in the given order."""
        new: list[StoredArticle] = []
        async with self._db.transaction() as conn:
            for item in items:
                cursor = await conn.execute(
                    """INSERT OR IGNORE INTO articles (feed_url, dedupe_key, title, link, published_at, seen_at, status)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (feed_url, item.dedupe_key, item.title, item.link,
                     to_db_time(item.published) if item.published else None, to_db_time(now), status),
                )
                if cursor.rowcount == 1 and cursor.lastrowid is not None:
                    new.append(StoredArticle(cursor.lastrowid, feed_url, item.dedupe_key, item.title, item.link,
                                             item.published, now, status))
        return new

    async def mark_posted(self, article_id: int, ref: PostedRef, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """UPDATE articles SET status = 'posted', posted_at = ?, channel_id = ?, message_id = ?,
                   thread_id = ?, detail = NULL WHERE id = ?""",
                (to_db_time(now), ref.channel_id, ref.message_id, ref.thread_id, article_id),
            )

    async def mark(self, article_id: int, status: str, detail: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE articles SET status = ?, detail = ? WHERE id = ?", (status, detail, article_id))

    async def posted_since(self, feed_url: str, since: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM articles WHERE feed_url = ? AND posted_at >= ?", (feed_url, to_db_time(since))
        )
        return int(row[0]) if row else 0

    async def get(self, article_id: int) -> StoredArticle | None:
        row = await self._db.fetch_one("SELECT * FROM articles WHERE id = ?", (article_id,))
        return _article(row) if row else None

    async def by_thread(self, thread_id: int) -> StoredArticle | None:
        row = await self._db.fetch_one("SELECT * FROM articles WHERE thread_id = ?", (thread_id,))
        return _article(row) if row else None

    async def list(self, feed_url: str | None = None, limit: int = 100) -> list[StoredArticle]:
        if feed_url is None:
            rows = await self._db.fetch_all("SELECT * FROM articles ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = await self._db.fetch_all(
                "SELECT * FROM articles WHERE feed_url = ? ORDER BY id DESC LIMIT ?", (feed_url, limit)
            )
        return [_article(row) for row in rows]

    async def count_by_status(self, feed_url: str) -> dict[str, int]:
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) FROM articles WHERE feed_url = ? GROUP BY status", (feed_url,)
        )
        return {str(row[0]): int(row[1]) for row in rows}

    async def feed_state(self, url: str) -> FeedState | None:
        row = await self._db.fetch_one("SELECT * FROM feed_state WHERE url = ?", (url,))
        if row is None:
            return None
        return FeedState(
            url=row["url"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            failures=int(row["failures"]),
            next_poll_at=_time(row["next_poll_at"]),
            last_error=row["last_error"],
            last_polled_at=_time(row["last_polled_at"]),
            primed=bool(row["primed"]),
        )

    async def save_feed_state(self, state: FeedState) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT INTO feed_state (url, etag, last_modified, failures, next_poll_at, last_error,
                                           last_polled_at, primed)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                       failures = excluded.failures, next_poll_at = excluded.next_poll_at,
                       last_error = excluded.last_error, last_polled_at = excluded.last_polled_at,
                       primed = excluded.primed""",
                (state.url, state.etag, state.last_modified, state.failures,
                 to_db_time(state.next_poll_at) if state.next_poll_at else None, state.last_error,
                 to_db_time(state.last_polled_at) if state.last_polled_at else None, int(state.primed)),
            )
